"""What one request costs the web process, measured in-process: CPU time, wall time and round trips.

bench/pages.py measures throughput under 16 connections, which on a shared machine mostly measures the machine.
This script asks the WSGI handler directly (request signals and the whole middleware, as under gunicorn), one
request at a time, and reports per URL the median CPU time of the process (`time.process_time()`, which other
processes' load inflates far less than wall time), the median wall time, and the queries of one repeat request.
For members it interleaves, request by request, the same request with the session's user read the way Django
reads it (this process's memory of the session's user dropped first: `member*`), so the two compare under the
same load.

It runs against the data folder and database that `bench/pages.py --keep` left (its bench-state.json holds the
members' session cookies and the deep cursor):

    .venv/bin/python bench/pages.py --backend postgres --who members --seconds 2 --keep
    .venv/bin/python bench/member_cost.py /tmp/bench-pages-XXXX --database postgres://postgres@127.0.0.1:5432/bench_pages

`--profile N` prints the top of a cProfile of N requests of each HTML page for a member.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROCEDURE = "facial-cryomassage"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("folder", help="the data folder bench/pages.py --keep printed")
    parser.add_argument("--database", required=True, help="its CRYOVIEW_DATABASE_URL")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", type=int, default=0, help="cProfile this many member requests per HTML page")
    args = parser.parse_args()

    folder = args.folder
    os.environ.update(
        CRYOVIEW_DATA_DIR=folder,
        CRYOVIEW_DATABASE_URL=args.database,
        CRYOVIEW_STATIC_ROOT=f"{folder}/static",
        CRYOVIEW_MEDIA_ROOT=f"{folder}/media",
        CRYOVIEW_PRIVATE_MEDIA_ROOT=f"{folder}/private",
        CRYOVIEW_WORKER_MODE="immediate",
        CRYOVIEW_LOG_LEVEL="WARNING",
        CRYOVIEW_DEBUG="false",
        DJANGO_SETTINGS_MODULE="bench.settings_pages",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    try:
        from cryoview.core.sessions import forget_sessions
    except ImportError:  # a tree from before the member's row was read with the session: no member* rows
        forget_sessions = None

    state = json.loads((Path(folder) / "bench-state.json").read_text())
    members: list[dict[str, str]] = state["members"]
    handler = WSGIHandler()

    def call(path: str, cookies: dict[str, str] | None) -> tuple[int, bytes]:
        query = ""
        if "?" in path:
            path, query = path.split("?", 1)
        environ: dict[str, Any] = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
        }
        if cookies:
            environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        status: list[str] = []
        body = b"".join(handler(environ, lambda s, h, *_: status.append(s)))
        return int(status[0].split()[0]), body

    pages = [
        ("trivial view", "/bench/trivial"),
        ("guide page", f"/procedures/{PROCEDURE}/"),
        ("review list", f"/procedures/{PROCEDURE}/reviews/"),
        ("list API", f"/api/v1/procedures/{PROCEDURE}/reviews"),
        ("stats API", f"/api/v1/procedures/{PROCEDURE}/stats"),
        ("deep review list", f"/procedures/{PROCEDURE}/reviews/?cursor={state['deep_cursor']}"),
    ]
    load = " / ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"{args.requests} requests per URL after 20 of warm-up, one at a time; medians; load average {load}")
    print(
        "member*: the same members with this process's memory of their session's user dropped before each request,"
        "\n  so the user is read as Django reads it (a second query); interleaved request by request with 'member'"
    )
    print(f"{'':18} {'who':8} {'CPU ms':>7} {'wall ms':>8} {'queries':>7}  queries of a repeat request")
    variants = (False, True) if forget_sessions is not None else (False,)
    for who, jars in (("visitor", None), ("member", members)):
        for label, path in pages:
            for i in range(20):
                code, _ = call(path, jars[i % len(jars)] if jars else None)
                assert code == 200, (path, code)
            # (cpu, wall) per variant: as it runs, and (members only) without the joined user read
            times: dict[bool, tuple[list[float], list[float]]] = {False: ([], []), True: ([], [])}
            for i in range(args.requests * (len(variants) if jars else 1)):
                plain = bool(jars) and len(variants) == 2 and i % 2 == 1
                if plain and forget_sessions is not None:
                    forget_sessions()
                c0, w0 = time.process_time(), time.perf_counter()
                call(path, jars[(i // len(variants)) % len(jars)] if jars else None)
                times[plain][0].append(time.process_time() - c0)
                times[plain][1].append(time.perf_counter() - w0)
            for plain in variants if jars else (False,):
                call(path, jars[0] if jars else None)  # the process learns the member's session again
                if plain and forget_sessions is not None:
                    forget_sessions()
                with CaptureQueriesContext(connection) as queries:
                    call(path, jars[0] if jars else None)
                shown = "; ".join(q["sql"][:50] for q in queries.captured_queries)
                cpu, wall = times[plain]
                print(
                    f"{label:18} {who + ('*' if plain else ''):8} {statistics.median(cpu) * 1000:7.2f} "
                    f"{statistics.median(wall) * 1000:8.2f} {len(queries.captured_queries):7d}  {shown}"
                )
    for label, path in pages[1:3]:
        if not args.profile:
            break
        profiler = cProfile.Profile(time.process_time)  # CPU time, not the wait for the machine
        profiler.enable()
        for i in range(args.profile):
            call(path, members[i % len(members)])
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(45)
        print(f"\n== cProfile, {args.profile} member requests of the {label}\n{out.getvalue()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
