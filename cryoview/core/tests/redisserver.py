"""A Redis server of the test's own: `redis-server` on a free loopback port, without persistence, which a test may
stop and start again (same port) to see the site through an outage.

`redis_server` (per test) starts one; `redis_cache` points the shared cache ("default") at it, as production's
CRYOVIEW_CACHE_URL does; `each_shared_cache` runs a test once on the database cache and once on Redis.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
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
