"""Requests per second of the guide pages under gunicorn, against the baseline in DESIGN.md.

Baseline: "a small Django page (20 rows from SQLite): ~850 req/s with gunicorn (2 sync workers)",
measured on these 2-core machines (DESIGN.md, 2026-11-24). The guide page is larger (90+ claims, about
5 queries), so a ratio below 1 is expected; the figure to watch is the trend between commits.

Usage: make bench   (or: .venv/bin/python bench/run.py --seconds 10 --clients 8)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from load import hammer  # bench/ is the script folder, first on sys.path

ROOT = Path(__file__).resolve().parent.parent
BASELINE_RPS = 850.0
PORT = 8765
OK = (200, 503)  # /healthz answers 503 when the worker is not running, which is expected here
PATHS = ["/procedures/facial-cryomassage/", "/api/v1/procedures/facial-cryomassage", "/", "/healthz"]


def prepare(env: dict[str, str]) -> None:
    for command in (
        ["migrate", "--noinput", "-v0"],
        ["createcachetable"],
        ["import_guides"],
        ["collectstatic", "--noinput", "-v0"],
    ):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CRYOVIEW_")}
        env.update(
            CRYOVIEW_DATA_DIR=folder,
            CRYOVIEW_DATABASE_URL=f"sqlite:///{folder}/bench.sqlite3",
            CRYOVIEW_STATIC_ROOT=f"{folder}/static",
            CRYOVIEW_MEDIA_ROOT=f"{folder}/media",
            CRYOVIEW_PRIVATE_MEDIA_ROOT=f"{folder}/private",
            CRYOVIEW_WORKER_MODE="immediate",
            CRYOVIEW_LOG_LEVEL="WARNING",
        )
        prepare(env)
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{PORT}",
                "--workers",
                "2",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            time.sleep(2)
            print(f"gunicorn, 2 sync workers, {args.clients} keep-alive clients, {args.seconds:.0f} s a path")
            print(f"{'path':45} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'vs 850':>7}")
            for path in PATHS:
                hammer(PORT, path, 1, 2, OK)  # warm-up
                count, _, latencies, errors = hammer(PORT, path, args.seconds, args.clients, OK)
                rps = count / args.seconds
                latencies.sort()
                p50 = statistics.median(latencies) * 1000
                p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
                print(f"{path:45} {rps:8.0f} {p50:8.1f} {p99:8.1f} {errors:7d} {rps / BASELINE_RPS:7.2f}")
        finally:
            server.terminate()
            server.wait(timeout=20)


if __name__ == "__main__":
    main()
