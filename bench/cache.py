"""The guide page for visitors with the shared cache in the database against Redis, in one run.

Spec (issue 13): "bench/ measures the guide page's visitor throughput with the database cache against Redis, in
one run, printing figures and the ratio." One database (SQLite by default, or PostgreSQL's bench_pages) is seeded
as bench/pages.py seeds it; gunicorn then serves it three times: with CRYOVIEW_CACHE_URL empty (the database
table), with a redis-server of this run's own on a free loopback port, and with that server stopped (every
visitor gets a fresh render; the count of non-200 answers must stay 0). Each pass measures the trivial view
first, as the reference for that pass, then the guide page.

Usage: make bench-cache   (or: .venv/bin/python bench/cache.py --reviews 2000 --seconds 5)
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator

from pages import (  # bench/ is the script folder, first on sys.path
    PAGES,
    PG_URL,
    TRIVIAL,
    Result,
    base_env,
    data_dir,
    fetch,
    free_port,
    gunicorn,
    measure,
    postgres_database,
    prepare,
)

GUIDE = PAGES[0][1]


@contextlib.contextmanager
def redis_server(folder: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A redis-server of this run's own (no persistence), so the bench never touches another Redis."""
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).stdout != b"PONG\n":
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0", server
    finally:
        server.kill()
        server.wait()


def serve_and_measure(env: dict[str, str], args: argparse.Namespace, reviews: int) -> tuple[Result, Result]:
    with gunicorn(env, args.workers) as port:
        status, body = fetch(port, GUIDE)
        if status != 200 or f"All {reviews} review".encode() not in body:
            raise RuntimeError(f"{GUIDE}: HTTP {status}, not the seeded guide page: {body[:300]!r}")
        trivial = measure(port, "trivial view", TRIVIAL, args.seconds, args.clients)
        guide = measure(port, "guide page", GUIDE, args.seconds, args.clients)
    return trivial, guide


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite", help="the database")
    parser.add_argument("--reviews", type=int, default=2_000)
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per URL (after 1 s warm-up)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (make run's default: 2)")
    args = parser.parse_args()
    if args.reviews < 20:
        parser.error("--reviews must be at least 20")

    with data_dir(keep=False) as folder:
        if args.backend == "postgres":
            problem = postgres_database()
            if problem is not None:
                print(f"PostgreSQL is not usable ({problem})")
                return 2
            env = base_env(folder, PG_URL)
        else:
            env = base_env(folder, f"sqlite:///{folder}/bench.sqlite3")
        try:
            print(f"== {args.backend}: seeding {args.reviews:,} published reviews")
            print(f"  seeding took {prepare(env, args.reviews, members=1):.1f} s")
            runs = {"database cache": serve_and_measure(env, args, args.reviews)}
            with redis_server(folder) as (url, server):
                redis_env = {**env, "CRYOVIEW_CACHE_URL": url}
                runs["Redis"] = serve_and_measure(redis_env, args, args.reviews)
                server.kill()
                server.wait()
                runs["Redis stopped"] = serve_and_measure(redis_env, args, args.reviews)
        finally:
            if args.backend == "postgres":
                postgres_database(drop_only=True)
    return report(runs, args)


def report(runs: dict[str, tuple[Result, Result]], args: argparse.Namespace) -> int:
    print(
        f"\n  guide page {GUIDE} for visitors: gunicorn {args.workers} sync workers, {args.clients} connections, "
        f"{args.seconds:g} s a URL after 1 s of warm-up; ratio: to the trivial view of the same pass"
    )
    print(
        f"  {'shared cache':16} {'trivial req/s':>13} {'guide req/s':>11} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'errors':>6} {'ratio':>6}"
    )
    errors = 0
    for name, (trivial, guide) in runs.items():
        errors += trivial.errors + guide.errors
        print(
            f"  {name:16} {trivial.rps:13.0f} {guide.rps:11.0f} {guide.p50_ms:7.1f} {guide.p99_ms:7.1f} "
            f"{guide.errors:6d} {guide.rps / trivial.rps:6.2f}"
        )
    database, redis = runs["database cache"][1], runs["Redis"][1]
    down = runs["Redis stopped"][1]
    print(
        f"\nSummary: guide page for visitors, Redis {redis.rps:.0f} req/s vs database cache {database.rps:.0f} req/s "
        f"= {redis.rps / database.rps:.2f} x; with Redis stopped {down.rps:.0f} req/s "
        f"({down.rps / redis.rps:.2f} x Redis), {down.errors} errors"
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
