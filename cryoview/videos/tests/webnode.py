"""Another web node for the tests: a real gunicorn process on the test database, with its own data folder (so no
media folder is shared with the test process), and the resident memory of its worker read from /proc."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from cryoview.videos.tests.conftest import ROOT, database_url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_bytes(pid: int) -> int:
    """VmRSS of a process (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except FileNotFoundError:
        pass
    return 0


class WebNode:
    """gunicorn with one sync worker, as `make run` starts it, on `data_dir` and the given environment."""

    def __init__(self, data_dir: Path, *, database: str | None = None, **variables: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        data_dir.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CRYOVIEW_")}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.test",
            CRYOVIEW_ENVIRONMENT="test",
            CRYOVIEW_DATA_DIR=str(data_dir),
            CRYOVIEW_TEST_DATABASE_URL=database or database_url(),
            CRYOVIEW_LOG_LEVEL="WARNING",
            **variables,
        )
        self.log = data_dir / f"gunicorn-{self.port}.log"
        argv = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{self.port}"]
        argv += ["--workers", "1", "--timeout", "60", "--graceful-timeout", "5"]
        self.process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        self._wait_until_listening()

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"gunicorn exited:\n{self.output()}"
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"gunicorn did not listen within 60 s:\n{self.output()}")

    def worker_pid(self) -> int:
        """The worker (gunicorn's only child): it runs the requests."""
        pid = self.process.pid
        deadline = time.monotonic() + 30
        while not (children := Path(f"/proc/{pid}/task/{pid}/children").read_text().split()):
            assert time.monotonic() < deadline, "gunicorn started no worker"
            time.sleep(0.05)  # it forks the worker a moment after it listens
        assert len(children) == 1, children
        return int(children[0])

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


class PeakRss:
    """Samples a process's VmRSS every `interval` seconds in a thread while in the `with` block."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid, self.interval = pid, interval
        self.peak = self.first = rss_bytes(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.peak = max(self.peak, rss_bytes(self.pid))
