"""A Redis server of the test's own: `redis-server` on a free loopback port, without persistence, which a test may
stop and start again (same port) to see the site through an outage.

`redis_server` (per test) starts one; `redis_cache` points the shared cache ("default") at it, as production's
CRYOVIEW_CACHE_URL does; `each_shared_cache` runs a test once on the database cache and once on Redis.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cryoview.core.tests.objectstore import free_port


class RedisServer:
    def __init__(self, port: int, folder: Path) -> None:
        self.port = port
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert self.process is None, "already running"
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)

    def stop(self) -> None:
        """Gone as in a crash: nothing kept (the test server saves nothing)."""
        if self.process is None:
            return
        self.process.kill()
        self.process.wait(timeout=10)
        self.process = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


class Partition:
    """A TCP relay in front of a Redis server that a test can cut: while cut, every connection through it is
    closed at once, so nothing sent reaches Redis, which keeps its data (a network partition)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.is_cut = False
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def cut(self) -> None:
        with self._lock:
            self.is_cut = True
            for sock in self._open:
                _close(sock)
            self._open.clear()

    def heal(self) -> None:
        self.is_cut = False

    def close(self) -> None:
        self.cut()
        _close(self.listener)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.is_cut:
                _close(client)
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                self._open += [client, upstream]
            threading.Thread(target=_pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=_pipe, args=(upstream, client), daemon=True).start()


def _pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    _close(source)
    _close(target)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer(free_port(), tmp_path)
    server.start()
    yield server
    server.stop()


def redis_settings(url: str, **options: Any) -> dict[str, Any]:
    """The shared cache as production configures it for CRYOVIEW_CACHE_URL, under a prefix of this test."""
    from config.settings.base import shared_cache

    cache = shared_cache(url)
    cache["OPTIONS"] = {**cache["OPTIONS"], **options}
    cache["KEY_PREFIX"] = f"test-{uuid.uuid4().hex[:8]}"
    return cache


def _use_shared_cache(settings: Any, default: dict[str, Any]) -> None:
    from django.core.cache import caches

    settings.CACHES = {**settings.CACHES, "default": default}  # a new value: Django drops the old backends
    caches["default"].clear()


@pytest.fixture
def redis_cache(redis_server: RedisServer, settings: Any) -> RedisServer:
    # A short pause after a failure, so a test sees the recovery soon after restarting the server.
    _use_shared_cache(settings, redis_settings(redis_server.url, PAUSE_AFTER_FAILURE=0.2))
    return redis_server


@pytest.fixture
def redis_partition(redis_server: RedisServer, settings: Any) -> Iterator[Partition]:
    """The shared cache on Redis through a relay the test can cut (Partition)."""
    relay = Partition(redis_server.port)
    _use_shared_cache(settings, redis_settings(relay.url, PAUSE_AFTER_FAILURE=0.2))
    yield relay
    relay.close()


@pytest.fixture(params=["database", "redis"])
def each_shared_cache(request: pytest.FixtureRequest, settings: Any) -> str:
    """The test runs on both shared caches production offers: the database table and Redis."""
    if request.param == "redis":
        request.getfixturevalue("redis_cache")
    else:
        from django.core.management import call_command

        request.getfixturevalue("db")
        database = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cryoview_cache"}
        settings.CACHES = {**settings.CACHES, "default": database}
        call_command("createcachetable", verbosity=0)  # the table for the caches now configured
    return str(request.param)
