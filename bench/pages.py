"""The review pages with 100,000 published reviews, against a trivial Django view served the same way.

Spec: "bench/pages.py fills the database with 100,000 published reviews (and their stats) on SQLite and on
PostgreSQL, then measures in one run the guide page, the review list and the stats endpoint against a trivial
Django view served the same way: requests per second, p50 and p99 at 16 concurrent connections. Targets: each
≥ 0.5 x the trivial view's throughput, p99 < 150 ms. Print the figures and the ratios."

Every review is on one procedure (facial-cryomassage), the worst case for its guide page and list. The trivial
view lives in bench/trivial_urls.py, served through bench/settings_pages.py (the product's settings with that
URLconf), so it runs behind the same middleware in the same gunicorn. A missed target is a result, not a failure:
the exit status is non-zero only for errors (a non-200 answer, a wrong page, a crash) or, with
--require-postgres, an unreachable PostgreSQL.

Each page is measured twice: as visitors (no cookie: whole pages from the visitors' cache) and as signed-in
members (a session cookie per connection, from --members members logged in through the session engine, plus
the CSRF cookie the server sets, as a browser keeps it): members always get a fresh render.

Usage: make bench-pages   (or: .venv/bin/python bench/pages.py --backend sqlite --reviews 20000 --seconds 5)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from load import hammer, percentile  # bench/ is the script folder, first on sys.path
from serve import base_env, data_dir, fetch, gunicorn, pg_url, postgres_database, setup_steps

ROOT = Path(__file__).resolve().parent.parent
PROCEDURE = "facial-cryomassage"
RATIO_TARGET = 0.5
P99_TARGET_MS = 150.0
BATCH = 5_000
SEED = 20261124
PG_DATABASE = "bench_pages"
PG_URL = pg_url(PG_DATABASE)
TRIVIAL = "/bench/trivial"
# In the data folder, written by the seed: the members' session cookies and a cursor deep into the list.
STATE_FILE = "bench-state.json"
DEEP_FRACTION = 0.9  # the deep pages start after this share of the reviews (row 90,000 of 100,000)
MEMBER_RATIO_TARGET = 0.3  # members get a fresh render: issue 12's target for them
# (label, path); the trivial view is measured first and again last, the reference is the mean of the two.
PAGES = [
    ("guide page", f"/procedures/{PROCEDURE}/"),
    ("review list", f"/procedures/{PROCEDURE}/reviews/"),
    ("review list API", f"/api/v1/procedures/{PROCEDURE}/reviews"),
    ("stats API", f"/api/v1/procedures/{PROCEDURE}/stats"),
]


# --- the load generator -------------------------------------------------------------------------------------


@dataclass
class Result:
    label: str
    path: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def measure(
    port: int, label: str, path: str, seconds: float, clients: int, cookies: list[dict[str, str]] | None = None
) -> Result:
    # warm-up: templates, cached fragments, database connections
    hammer(port, path, 1, clients, cookies=cookies or ())
    count, elapsed, latencies, errors = hammer(port, path, seconds, clients, cookies=cookies or ())
    latencies.sort()
    if not latencies:
        return Result(label, path, 0, elapsed, math.nan, math.nan, errors or 1)
    return Result(
        label, path, count, elapsed, percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000, errors
    )


def deep_pages(cursor: str) -> list[tuple[str, str]]:
    """The review list and its API after row 90,000: the keyset must make them cost what the first page does."""
    return [
        ("deep review list", f"/procedures/{PROCEDURE}/reviews/?cursor={cursor}"),
        ("deep list API", f"/api/v1/procedures/{PROCEDURE}/reviews?cursor={cursor}"),
    ]


def check_pages(
    port: int, reviews: int, pages: list[tuple[str, str]], cookies: dict[str, str] | None = None
) -> list[str]:
    """Each URL answers 200 with the seeded reviews in it (a fast error page would be a false pass); with a
    member's cookies, the HTML pages show that member signed in (a visitor's cached page would not)."""
    problems = []
    expected = {
        TRIVIAL: lambda body: body == b"ok",
        # the reviews section, and the guide's summary at the top with the same count
        PAGES[0][1]: lambda body: (
            f"All {reviews} review".encode() in body
            and f'<strong data-stat="count">{reviews}</strong>'.encode() in body
        ),
        PAGES[1][1]: lambda body: body.count(b'class="review-card') == 10,
        PAGES[2][1]: lambda body: len(json.loads(body)["items"]) == 20,
        PAGES[3][1]: lambda body: json.loads(body)["count"] == reviews,
        pages[4][1]: lambda body: body.count(b'class="review-card') == 10,
        pages[5][1]: lambda body: len(json.loads(body)["items"]) == 20,
    }
    for path, looks_right in expected.items():
        status, body = fetch(port, path, cookies)
        if status != 200:
            problems.append(f"{path}: HTTP {status}: {body[:300]!r}")
        elif not looks_right(body):
            problems.append(f"{path}: 200 but not the expected content: {body[:300]!r}")
        elif cookies and path in (PAGES[0][1], PAGES[1][1], pages[4][1]) and b"Sign out" not in body:
            problems.append(f"{path}: the member's page does not show them signed in")
    return problems


def prepare(env: dict[str, str], reviews: int, members: int) -> float:
    """The steps of `make run`, then the seed in its own process. Returns the seed's wall time."""
    setup_steps(env)
    started = time.monotonic()
    subprocess.run(
        [sys.executable, __file__, "--seed-only", "--reviews", str(reviews), "--members", str(members)],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return time.monotonic() - started


# --- the seed (runs in a child process with Django set up) --------------------------------------------------

TITLES = [
    "Skin looked fresher for a week",
    "Pleasant, but the effect faded fast",
    "Helped with puffiness under the eyes",
    "Not worth the price for me",
    "Calmer skin after the course",
    "A small blister, then fine",
    "Cold, quick, no downtime",
    "Glow that lasted a few days",
]
BODIES = [
    "The session took about **15 minutes**. It felt cold and tingly, then warm.\n\n"
    "My skin looked brighter for a few days.",
    "I did a course of sessions before a wedding.\n\n"
    "- less puffiness\n- no redness the next day\n- the effect faded after a month",
    "Honestly I did not notice much. The practitioner was careful and explained everything, "
    "but *for me* it was not worth it.",
    "A small blister appeared on my cheek the next day and healed within a week. Otherwise the skin felt smoother.",
    "> Cover your lips with a tissue\n\nGood advice from the clinic. The procedure itself was quick and comfortable.",
    "Darker patches after sun exposure, so wear sunscreen. The massage itself was relaxing.",
]
CITIES = ["Berlin", "Moscow", "Paris", "Riga", "Warsaw", "Lisbon", "Vienna", "Prague"]
COSTS = {"EUR": (30, 300), "USD": (35, 350), "RUB": (2_000, 25_000)}


def sign_in_members(members: int) -> list[dict[str, str]]:
    """`members` members without reviews, each signed in through the session engine as the login view does
    (user id, backend, password hash in the session). Returns each one's cookies."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.base import SessionBase
    from django.utils.module_loading import import_string

    from cryoview.accounts.models import User

    store: type[SessionBase] = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    jars = []
    for n in range(members):
        user = User.objects.create_user(email=f"member{n}@example.org", password=None)
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        assert session.session_key is not None
        jars.append({settings.SESSION_COOKIE_NAME: session.session_key})
    return jars


def deep_cursor(procedure: Any, row: int) -> str:
    """The cursor the list would give out after `row` reviews, newest first (read with one OFFSET query
    here rather than by walking 9,000 pages)."""
    from cryoview.reviews.enums import ReviewSort
    from cryoview.reviews.selectors import _columns, _encode_cursor, review_list_visible

    columns = _columns(ReviewSort.NEWEST)
    ordered = review_list_visible(procedure=procedure).order_by(*(f"-{name}" for name, _ in columns))
    return _encode_cursor(ordered[row - 1], columns)


def seed(count: int, members: int) -> None:
    sys.path.insert(0, str(ROOT))
    from config.env import settings_module

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module())
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from cryoview.accounts.models import User
    from cryoview.core.markup import render_markup
    from cryoview.procedures.models import Procedure
    from cryoview.reviews.enums import CONSENT_TEXT, SIDE_EFFECT_NONE, SIDE_EFFECT_OTHER, ReviewStatus, WorthIt
    from cryoview.reviews.models import Review
    from cryoview.reviews.selectors import side_effect_choices
    from cryoview.reviews.stats import stats_refresh
    from cryoview.videos.enums import VideoStage, VideoStatus
    from cryoview.videos.models import Video

    rng = random.Random(SEED)
    now = timezone.now()
    procedure = Procedure.objects.get(slug=PROCEDURE)
    effects = [
        c.slug for c in side_effect_choices(procedure=procedure) if c.slug not in (SIDE_EFFECT_NONE, SIDE_EFFECT_OTHER)
    ]
    assert effects, f"{PROCEDURE} has no side-effect claims"
    bodies = [(body, render_markup(body)) for body in BODIES]
    two_years = 2 * 365 * 86_400

    started = time.monotonic()
    with transaction.atomic():
        for low in range(0, count, BATCH):
            User.objects.bulk_create(
                # "!" is an unusable password (what set_unusable_password stores, minus the random suffix).
                [User(email=f"bench{n}@example.org", password="!") for n in range(low, min(low + BATCH, count))],  # noqa: S106
                batch_size=BATCH,
            )
    authors = list(
        User.objects.filter(email__startswith="bench", email__endswith="@example.org")
        .order_by("id")
        .values_list("id", flat=True)
    )
    assert len(authors) == count, (len(authors), count)
    users_done = time.monotonic()

    videos_made = 0
    with transaction.atomic():
        for low in range(0, count, BATCH):
            videos: list[Video] = []
            reviews: list[Review] = []
            for n in range(low, min(low + BATCH, count)):
                published = now - timedelta(seconds=rng.uniform(0, two_years))
                submitted = published - timedelta(hours=rng.uniform(1, 72))
                video = None
                if rng.random() < 0.2:
                    video_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                    video = Video(
                        id=video_id,
                        owner_id=authors[n],
                        upload_id=f"bench{n:027d}",
                        original_name="review.mp4",
                        status=VideoStatus.READY,
                        stage=VideoStage.DONE,
                        progress=1.0,
                        duration=round(rng.uniform(15, 180), 2),
                        width=1080,
                        height=1920,
                        poster_path=f"videos/{video_id}/out/poster.jpg",
                        output_dir=f"videos/{video_id}/out",
                        is_published=True,
                        ready_at=submitted,
                    )
                    videos.append(video)
                currency = rng.choice([*COSTS, ""])
                cost = None
                if currency:
                    low_cost, high_cost = COSTS[currency]
                    cost = Decimal(rng.randint(low_cost, high_cost))
                if rng.random() < 0.35:
                    side_effects = [SIDE_EFFECT_NONE]
                else:
                    side_effects = sorted(rng.sample(effects, rng.randint(1, len(effects))))
                body, body_html = rng.choice(bodies)
                treated = (submitted - timedelta(days=rng.randint(0, 120))).date().replace(day=1)
                reviews.append(
                    Review(
                        procedure=procedure,
                        author_id=authors[n],
                        status=ReviewStatus.PUBLISHED,
                        rating=rng.choices(range(1, 6), weights=[8, 7, 15, 30, 40])[0],
                        worth_it=rng.choices(WorthIt.values, weights=[55, 25, 20])[0],
                        sessions=rng.randint(1, 10) if rng.random() < 0.7 else None,
                        cost_amount=cost,
                        cost_currency=currency,
                        treated_month=treated if rng.random() < 0.6 else None,
                        city=rng.choice(CITIES) if rng.random() < 0.5 else "",
                        side_effects=side_effects,
                        pain=rng.randint(0, 10) if rng.random() < 0.5 else None,
                        downtime_days=rng.randint(0, 7) if rng.random() < 0.4 else None,
                        title=rng.choice(TITLES),
                        body=body,
                        body_html=body_html,
                        video=video,
                        has_video=video is not None,
                        consent_text=CONSENT_TEXT,
                        consented_at=submitted,
                        followup_count=rng.choices([0, 1, 2], weights=[85, 10, 5])[0],
                        submitted_at=submitted,
                        published_at=published,
                    )
                )
            Video.objects.bulk_create(videos, batch_size=BATCH)
            Review.objects.bulk_create(reviews, batch_size=BATCH)
            videos_made += len(videos)
    reviews_done = time.monotonic()
    if connection.vendor == "postgresql":
        # What autovacuum does within a minute of a bulk load; without it the planner guesses row counts.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    analyzed = time.monotonic()

    data = stats_refresh(procedure=procedure)
    refreshed = time.monotonic()
    assert data["count"] == count, data["count"]
    print(
        f"  seeded {count:,} users in {users_done - started:.1f} s, {count:,} published reviews "
        f"({videos_made:,} with a video) in {reviews_done - users_done:.1f} s"
        + (f", ANALYZE {analyzed - reviews_done:.1f} s" if connection.vendor == "postgresql" else "")
    )
    print(f"  stats_refresh(procedure={PROCEDURE}) took {refreshed - analyzed:.2f} s")
    jars = sign_in_members(members)
    deep = int(count * DEEP_FRACTION)
    state = {"members": jars, "deep_row": deep, "deep_cursor": deep_cursor(procedure, deep)}
    (Path(os.environ["CRYOVIEW_DATA_DIR"]) / STATE_FILE).write_text(json.dumps(state))
    print(f"  signed in {members} members (one session a connection)")


# --- the run ------------------------------------------------------------------------------------------------


def shown(path: str) -> str:
    """A path as the table shows it: a long cursor is cut (the check above fetched the whole URL)."""
    return path if len(path) <= 46 else path[:45] + "…"


def verdict(result: Result, reference_rps: float, ratio_target: float) -> str:
    if result.errors:
        return "ERROR"
    ok = result.rps / reference_rps >= ratio_target and result.p99_ms < P99_TARGET_MS
    return "PASS" if ok else "MISS"


@dataclass
class Pass:
    """Who asks: visitors (no cookie) or members (a session cookie per connection)."""

    name: str
    ratio_target: float
    cookies: list[dict[str, str]] | None
    deep_cursor: str


def run_pass(port: int, who: Pass, args: argparse.Namespace) -> tuple[int, int]:
    """Measure the trivial view, every page, the trivial view again; print the table.
    Returns (pages meeting both targets, errors)."""
    pages = PAGES + deep_pages(who.deep_cursor)
    problems = check_pages(port, args.reviews, pages, who.cookies[0] if who.cookies else None)
    for problem in problems:
        print(f"  ERROR ({who.name}) {problem}")

    def one(label: str, path: str) -> Result:
        return measure(port, label, path, args.seconds, args.clients, who.cookies)

    results = [one("trivial view", TRIVIAL)]
    results += [one(label, path) for label, path in pages]
    results.append(one("trivial view (again)", TRIVIAL))
    reference = (results[0].rps + results[-1].rps) / 2
    print(
        f"\n  {who.name}: gunicorn {args.workers} sync workers, {args.clients} concurrent connections, "
        f"{args.seconds:g} s a URL after 1 s of warm-up; reference: mean of the two trivial runs, "
        f"{reference:.0f} req/s; target ≥ {who.ratio_target:g} x it and p99 < {P99_TARGET_MS:g} ms"
    )
    print(
        f"  {'':20} {'URL':46} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'errors':>6} {'ratio':>6}  target"
    )
    passed = 0
    errors = len(problems)
    for result in results:
        is_trivial = result.path == TRIVIAL
        mark = ("ERROR" if result.errors else "ref") if is_trivial else verdict(result, reference, who.ratio_target)
        passed += mark == "PASS"
        errors += result.errors
        print(
            f"  {result.label:20} {shown(result.path):46} {result.requests:8d} {result.rps:7.0f} {result.p50_ms:7.1f} "
            f"{result.p99_ms:7.1f} {result.errors:6d} {result.rps / reference:6.2f}  {mark}"
        )
    return passed, errors


def run_backend(name: str, env: dict[str, str], args: argparse.Namespace) -> list[str]:
    """Seed, serve, measure each pass, print the tables. Returns a summary line per pass."""
    print(f"\n== {name}: seeding {args.reviews:,} published reviews on {PROCEDURE}")
    if args.keep:
        print(f"  kept afterwards: {env['CRYOVIEW_DATA_DIR']} ({env['CRYOVIEW_DATABASE_URL']})")
    started = time.monotonic()
    seed_seconds = prepare(env, args.reviews, args.members)
    print(f"  seeding took {seed_seconds:.1f} s (setup and seed: {time.monotonic() - started:.1f} s)")
    state = json.loads((Path(env["CRYOVIEW_DATA_DIR"]) / STATE_FILE).read_text())
    print(f"  deep pages: after row {state['deep_row']:,} of the newest-first list")
    passes = []
    if args.who in ("visitors", "both"):
        passes.append(Pass("visitors", RATIO_TARGET, None, state["deep_cursor"]))
    if args.who in ("members", "both"):
        passes.append(Pass("signed-in members", MEMBER_RATIO_TARGET, state["members"], state["deep_cursor"]))
    summary = []
    with gunicorn(env, args.workers) as port:
        for who in passes:
            passed, errors = run_pass(port, who, args)
            line = f"{name} {who.name} {passed}/{len(PAGES) + 2} PASS" + (f", {errors} errors" if errors else "")
            print(f"  {line}")
            summary.append(line)
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per URL (after 1 s warm-up)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (make run's default: 2)")
    parser.add_argument("--require-postgres", action="store_true", help="fail instead of skipping PostgreSQL")
    parser.add_argument("--keep", action="store_true", help="keep the data folder and the bench_pages database")
    parser.add_argument("--who", choices=["visitors", "members", "both"], default="both", help="which passes to run")
    parser.add_argument("--members", type=int, default=16, help="signed-in members (one per connection)")
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.reviews < 20:
        parser.error("--reviews must be at least 20 (a full page of the list API)")
    if args.members < 1:
        parser.error("--members must be at least 1")
    if args.seed_only:
        seed(args.reviews, args.members)
        return 0

    summary: list[str] = []
    if args.backend in ("sqlite", "both"):
        with data_dir(args.keep, "bench-pages-") as folder:
            summary += run_backend("SQLite", base_env(folder, f"sqlite:///{folder}/bench.sqlite3"), args)
    status = 0
    if args.backend in ("postgres", "both"):
        problem = postgres_database(PG_DATABASE)
        if problem is not None:
            line = f"PostgreSQL skipped: {PG_URL} is not usable ({problem})"
            if not args.require_postgres:
                line += "; --require-postgres makes this an error"
            print(f"\n== {line}")
            summary.append(line)
            if args.require_postgres:
                status = 2
        else:
            try:
                with data_dir(args.keep, "bench-pages-") as folder:
                    summary += run_backend("PostgreSQL", base_env(folder, PG_URL), args)
            finally:
                if not args.keep:
                    postgres_database(PG_DATABASE, drop_only=True)
    if any("errors" in line for line in summary):
        status = status or 1
    print(
        f"\nSummary ({args.reviews:,} reviews, {args.clients} connections; targets: visitors ≥ {RATIO_TARGET:g} x, "
        f"members ≥ {MEMBER_RATIO_TARGET:g} x trivial req/s, p99 < {P99_TARGET_MS:g} ms): " + "; ".join(summary)
    )
    return status


if __name__ == "__main__":
    sys.exit(main())
