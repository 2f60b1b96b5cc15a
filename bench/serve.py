"""What the page benchmarks share besides the load generator (bench/load.py): the product served by gunicorn on
the bench settings, a throw-away data folder, its environment, and a fresh PostgreSQL database."""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3"


def pg_url(database: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{database}"


def fetch(port: int, path: str, cookies: dict[str, str] | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int) -> Iterator[int]:
    """gunicorn as `manage.py run_platform` starts it (sync workers, same timeouts), without the access log,
    on the bench settings (the product's, plus the trivial view's URLconf)."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--graceful-timeout",
            "10",
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "bench.settings_pages"},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited with status {server.returncode} before answering")
            try:
                fetch(port, "/healthz")  # any answer: the workers are up (503 only means no task worker)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not answer within 60 s") from None
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def base_env(folder: str, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRYOVIEW_") and k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        CRYOVIEW_DATA_DIR=folder,
        CRYOVIEW_DATABASE_URL=database_url,
        CRYOVIEW_STATIC_ROOT=f"{folder}/static",
        CRYOVIEW_MEDIA_ROOT=f"{folder}/media",
        CRYOVIEW_PRIVATE_MEDIA_ROOT=f"{folder}/private",
        CRYOVIEW_WORKER_MODE="immediate",
        CRYOVIEW_LOG_LEVEL="WARNING",
        CRYOVIEW_DEBUG="false",
    )
    return env


def setup_steps(env: dict[str, str]) -> None:
    """The steps of `make run` (as bench/run.py does them) before a seed."""
    for command in (
        ["migrate", "--noinput", "-v0"],
        ["createcachetable"],
        ["import_guides"],
        ["collectstatic", "--noinput", "-v0"],
    ):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )


def postgres_database(database: str, *, drop_only: bool = False) -> str | None:
    """A fresh, empty `database`; None when it worked, else why PostgreSQL is unusable."""
    try:
        import psycopg
    except ImportError as error:
        return f"psycopg is not installed ({error})"
    try:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
            if not drop_only:
                conn.execute(f"CREATE DATABASE {database}")
    except psycopg.Error as error:
        return f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else error}"
    return None


@contextlib.contextmanager
def data_dir(keep: bool, prefix: str) -> Iterator[str]:
    if keep:
        yield tempfile.mkdtemp(prefix=prefix)
    else:
        with tempfile.TemporaryDirectory(prefix=prefix) as folder:
            yield folder
