"""Search with 100,000 published reviews and 10,000 video transcripts, against a trivial Django view.

Spec (issue 14): "bench/search.py fills 100,000 published reviews (with follow-ups) and 10,000 transcripts on
SQLite and on PostgreSQL and measures, in one run against the trivial view, search requests per second and
p50/p99 for a set of common, rare and no-hit queries at 16 connections. Targets: p99 < 100 ms and ≥ 0.3 x the
trivial view's throughput on both databases; the time to index one new review (target < 20 ms) and to rebuild
everything."

The text is generated from a vocabulary of the guides' own words (content/procedures/*.yaml) and common review
words, drawn with Zipf-like weights, so "skin" is in a large share of the documents, a planted word ("frostnip")
in a known few, and the no-hit query in none (it runs the did-you-mean look-ups). The index is built by the
product's own code: `search_rebuild()` over everything (timed), then the indexing task (`index_item.call`, as the
task worker runs it) on each of --new-reviews reviews published after the rebuild (median timed). The server and
the trivial view are bench/pages.py's (bench/serve.py, bench/trivial_urls.py through bench/settings_pages.py).
A missed target is a result: the exit status is non-zero only for errors (a non-200 answer, a wrong result
count, a crash) or, with --require-postgres, an unreachable PostgreSQL.

Usage: make bench-search   (or: .venv/bin/python bench/search.py --backend sqlite --reviews 10000 --seconds 3)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from load import hammer, percentile  # bench/ is the script folder, first on sys.path
from serve import ROOT, base_env, data_dir, fetch, gunicorn, pg_url, postgres_database, setup_steps

RATIO_TARGET = 0.3
P99_TARGET_MS = 100.0
INDEX_TARGET_MS = 20.0
BATCH = 2_000
SEED = 20261202
PG_DATABASE = "bench_search"
PG_URL = pg_url(PG_DATABASE)
TRIVIAL = "/bench/trivial"
STATE_FILE = "bench-search-state.json"
RARE_WORD = "frostnip"  # planted: in RARE_SHARE of the reviews and in one cue of RARE_SHARE of the transcripts
RARE_SHARE = 0.0005
UNCACHED_RUNS = 30
NO_HIT = "xylophonist quasar"
# (label, query, what it must find): "many" (at least a page), "rare" (exactly the planted documents), "none".
QUERIES = [
    ("common", "skin", "many"),
    ("common, 2 words", "cold redness", "many"),
    ("rare", RARE_WORD, "rare"),
    ("no hit", NO_HIT, "none"),
]

# --- the text ------------------------------------------------------------------------------------------------

COMMON_WORDS = """
    skin cold session sessions felt face redness clinic practitioner cheeks nitrogen minutes week weeks days
    result results effect price worth course pain tingly warm cool calm smooth fresh bright puffiness swelling
    eyes forehead lips chin appointment booked recommend tried again first second third month months later
    better worse little small quick comfortable relaxing gentle careful explained afterwards morning evening
    glow tone texture pores acne rosacea blister itching dryness peeling scab mark sunscreen moisturiser
    cream doctor friend mirror photos before after noticed improvement visible lasting faded returned
""".split()  # noqa: SIM905 - a paragraph of words reads better than a list literal
FILLER = "the a my it was and but I so very really quite then after the of to with on for".split()  # noqa: SIM905


def guide_words() -> list[str]:
    """Every word of the guides' text (content/procedures/*.yaml), lower-cased, as often as it occurs."""
    found: list[str] = []
    for path in sorted((ROOT / "content" / "procedures").glob("*.yaml")):
        found += re.findall(r"[a-z][a-z'-]{2,}", path.read_text(encoding="utf-8").lower())
    return [w.strip("'-") for w in found if w.strip("'-") and w != RARE_WORD]


class Writer:
    """Sentences of review-like English: filler words between vocabulary words drawn with Zipf weights."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        counts: dict[str, int] = {}
        for word in guide_words():
            counts[word] = counts.get(word, 0) + 1
        guide = sorted(counts, key=lambda w: (-counts[w], w))
        vocabulary = list(dict.fromkeys([*COMMON_WORDS, *guide]))
        self.words = vocabulary
        self.weights = [1.0 / (rank + 8) for rank in range(len(vocabulary))]  # Zipf, flattened at the top

    def sentence(self, low: int = 6, high: int = 16) -> str:
        length = self.rng.randint(low, high)
        picks = self.rng.choices(self.words, self.weights, k=length)
        out = []
        for word in picks:
            if self.rng.random() < 0.45:
                out.append(self.rng.choice(FILLER))
            out.append(word)
        text = " ".join(out)
        return text[0].upper() + text[1:] + self.rng.choice([".", ".", ".", "!", "?"])

    def paragraph(self, sentences: int) -> str:
        return " ".join(self.sentence() for _ in range(sentences))

    def title(self) -> str:
        return self.sentence(2, 5).rstrip(".!?")


def html_of(paragraphs: list[str]) -> str:
    """What the Markdown renderer makes of plain paragraphs (no markup in the generated text)."""
    return "".join(f"<p>{escape(p)}</p>\n" for p in paragraphs)


# --- the seed and the in-process measurements (a child process with Django set up) ------------------------


def seed(count: int, transcripts: int, new_reviews: int) -> None:
    sys.path.insert(0, str(ROOT))
    from config.env import settings_module

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module())
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from cryoview.accounts.models import User
    from cryoview.procedures.models import Procedure
    from cryoview.reviews.enums import CONSENT_TEXT, SIDE_EFFECT_NONE, FollowUpStatus, ReviewStatus, WorthIt
    from cryoview.reviews.models import FollowUp, Review
    from cryoview.search.models import SearchDocument
    from cryoview.search.selectors import search_run_uncached
    from cryoview.search.services import search_rebuild
    from cryoview.search.tasks import index_item
    from cryoview.videos.enums import VideoStage, VideoStatus
    from cryoview.videos.models import Transcript, Video

    rng = random.Random(SEED)
    writer = Writer(rng)
    now = timezone.now()
    procedures = list(Procedure.objects.filter(is_published=True).values_list("pk", flat=True))
    assert procedures, "no published guide (import_guides)"
    two_years = 2 * 365 * 86_400
    total = count + new_reviews
    video_every = max(1, count // max(1, transcripts))
    rare_reviews = rare_cues = 0

    started = time.monotonic()
    with transaction.atomic():
        for low in range(0, total, BATCH):
            User.objects.bulk_create(
                [User(email=f"bench{n}@example.org", password="!") for n in range(low, min(low + BATCH, total))],  # noqa: S106
                batch_size=BATCH,
            )
    authors = list(
        User.objects.filter(email__startswith="bench", email__endswith="@example.org")
        .order_by("id")
        .values_list("id", flat=True)
    )
    users_done = time.monotonic()

    def review(n: int, video: Video | None, published: Any) -> Review:
        nonlocal rare_reviews
        paragraphs = [writer.paragraph(rng.randint(1, 4)) for _ in range(rng.randint(1, 3))]
        if rng.random() < RARE_SHARE and n < count:
            paragraphs[-1] += f" A touch of {RARE_WORD} on one cheek."
            rare_reviews += 1
        body = "\n\n".join(paragraphs)
        return Review(
            procedure_id=rng.choice(procedures),
            author_id=authors[n],
            status=ReviewStatus.PUBLISHED,
            rating=rng.choices(range(1, 6), weights=[8, 7, 15, 30, 40])[0],
            worth_it=rng.choices(WorthIt.values, weights=[55, 25, 20])[0],
            city=rng.choice(["Berlin", "Moscow", "Paris", "Riga", "Warsaw", "Lisbon", ""]),
            clinic_name=rng.choice(["", "", "Nordic Skin", "Cryo Studio", "Derma Clinic"]),
            side_effects=[SIDE_EFFECT_NONE],
            title=writer.title()[:120],
            body=body,
            body_html=html_of(paragraphs),
            video=video,
            has_video=video is not None,
            consent_text=CONSENT_TEXT,
            consented_at=published,
            followup_count=0,
            submitted_at=published - timedelta(hours=2),
            published_at=published,
        )

    def cues(duration: float) -> list[dict[str, Any]]:
        nonlocal rare_cues
        out, start = [], 0.0
        planted = rng.random() < RARE_SHARE * (count / max(1, transcripts))
        while start < duration:
            length = rng.uniform(2.5, 7.0)
            out.append({"start": round(start, 2), "end": round(start + length, 2), "text": writer.sentence(5, 12)})
            start += length
        if planted:
            out[rng.randrange(len(out))]["text"] += f" I had a little {RARE_WORD} there."
            rare_cues += 1
        return out

    videos_made = followups_made = 0
    with transaction.atomic():
        for low in range(0, count, BATCH):
            videos: list[Video] = []
            batch_transcripts: list[Transcript] = []
            reviews: list[Review] = []
            for n in range(low, min(low + BATCH, count)):
                published = now - timedelta(seconds=rng.uniform(0, two_years))
                video = None
                if n % video_every == 0 and videos_made + len(videos) < transcripts:
                    video_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                    duration = round(rng.uniform(20, 150), 2)
                    video = Video(
                        id=video_id,
                        owner_id=authors[n],
                        upload_id=f"bench{n:027d}",
                        original_name="review.mp4",
                        public_title=writer.title()[:200],
                        status=VideoStatus.READY,
                        stage=VideoStage.DONE,
                        progress=1.0,
                        duration=duration,
                        width=1080,
                        height=1920,
                        poster_path=f"videos/{video_id}/out/poster.jpg",
                        output_dir=f"videos/{video_id}/out",
                        is_published=True,
                        ready_at=published,
                    )
                    videos.append(video)
                    batch_transcripts.append(Transcript(video=video, lang="en", segments=cues(duration)))
                reviews.append(review(n, video, published))
            Video.objects.bulk_create(videos, batch_size=BATCH)
            Transcript.objects.bulk_create(batch_transcripts, batch_size=BATCH)
            created = Review.objects.bulk_create(reviews, batch_size=BATCH)
            videos_made += len(videos)
            followups = []
            for r in created:
                extra = rng.choices([0, 1, 2], weights=[80, 14, 6])[0]
                for k in range(extra):
                    text = writer.paragraph(rng.randint(1, 3))
                    followups.append(
                        FollowUp(
                            review=r,
                            status=FollowUpStatus.PUBLISHED,
                            body=text,
                            body_html=html_of([text]),
                            published_at=r.published_at + timedelta(days=30 * (k + 1)),
                        )
                    )
                r.followup_count = extra
            FollowUp.objects.bulk_create(followups, batch_size=BATCH)
            Review.objects.bulk_update([r for r in created if r.followup_count], ["followup_count"], batch_size=BATCH)
            followups_made += len(followups)
    seeded = time.monotonic()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"  seeded {count:,} published reviews ({followups_made:,} follow-ups, {videos_made:,} with a video and its "
        f"transcript) in {seeded - users_done:.1f} s (users: {users_done - started:.1f} s); "
        f"'{RARE_WORD}' planted in {rare_reviews} reviews and {rare_cues} cues"
    )

    rebuild_started = time.monotonic()
    rows = search_rebuild()
    rebuild_seconds = time.monotonic() - rebuild_started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    cues_indexed = SearchDocument.objects.filter(kind="transcript").count()
    print(f"  search_rebuild(): {rows:,} rows ({cues_indexed:,} transcript cues) in {rebuild_seconds:.1f} s")

    # Reviews published after the rebuild (bulk_create announces nothing), each indexed by the task itself.
    fresh = Review.objects.bulk_create([review(count + n, None, now) for n in range(new_reviews)])
    timings = []
    for r in fresh:
        started = time.perf_counter()
        written = index_item.call(kind="review", pk=str(r.pk))
        timings.append(time.perf_counter() - started)
        assert written == 1, f"index_item wrote {written} rows for review {r.pk}"
    timings.sort()
    # What the index itself costs: each query answered without the kept pages of results, one at a time.
    uncached: dict[str, list[float]] = {}
    for label, query, _ in QUERIES:
        runs = []
        for _ in range(UNCACHED_RUNS):
            started = time.perf_counter()
            search_run_uncached(query=query)
            runs.append((time.perf_counter() - started) * 1000)
        uncached[label] = sorted(runs)
    state = {
        "rows": rows,
        "rebuild_seconds": rebuild_seconds,
        "rare": rare_reviews + rare_cues,
        "index_ms": [t * 1000 for t in timings],
        "uncached_ms": uncached,
    }
    (Path(os.environ["CRYOVIEW_DATA_DIR"]) / STATE_FILE).write_text(json.dumps(state))


# --- the run -----------------------------------------------------------------------------------------------


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


def measure(port: int, label: str, path: str, seconds: float, clients: int) -> Result:
    hammer(port, path, 1, clients)  # warm-up: templates, database connections, the engine's caches
    count, elapsed, latencies, errors = hammer(port, path, seconds, clients)
    latencies.sort()
    if not latencies:
        return Result(label, path, 0, elapsed, math.nan, math.nan, errors or 1)
    return Result(
        label, path, count, elapsed, percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000, errors
    )


def urls() -> list[tuple[str, str, str]]:
    """(label, path, expectation) of each measured URL: every query as the page and as the API."""
    out = []
    for label, query, expect in QUERIES:
        out.append((f"{label}: page", f"/search/?q={quote(query)}", expect))
        out.append((f"{label}: API", f"/api/v1/search?q={quote(query)}", expect))
    return out


def check(port: int, rare: int) -> list[str]:
    """Each URL answers 200 with the results it must have (a fast empty page would be a false pass)."""
    problems = []
    status, body = fetch(port, TRIVIAL)
    if status != 200 or body != b"ok":
        problems.append(f"{TRIVIAL}: HTTP {status} {body[:100]!r}")
    for label, path, expect in urls():
        status, body = fetch(port, path)
        if status != 200:
            problems.append(f"{path}: HTTP {status}: {body[:300]!r}")
            continue
        if "API" in label:
            data = json.loads(body)
            total, items = data["total"], len(data["items"])
            right = {"many": total > 20 and items == 20, "rare": total == rare > 0, "none": total == items == 0}
            if expect == "rare" and right["rare"]:
                right["rare"] = all(RARE_WORD in item["snippet_html"].lower() for item in data["items"])
        else:
            hits = body.count(b'<li class="search-hit ')
            right = {"many": hits == 20, "rare": hits == min(rare, 20) > 0, "none": hits == 0}
        if not right[expect]:
            problems.append(f"{path}: 200 but not the expected results ({expect}): {body[:300]!r}")
    return problems


def verdict(result: Result, reference: float) -> str:
    if result.errors:
        return "ERROR"
    return "PASS" if result.rps / reference >= RATIO_TARGET and result.p99_ms < P99_TARGET_MS else "MISS"


def run_backend(name: str, env: dict[str, str], args: argparse.Namespace) -> str:
    print(f"\n== {name}: {args.reviews:,} published reviews, {args.transcripts:,} transcripts")
    if args.keep:
        print(f"  kept afterwards: {env['CRYOVIEW_DATA_DIR']} ({env['CRYOVIEW_DATABASE_URL']})")
    setup_steps(env)
    command = [sys.executable, __file__, "--seed-only", "--reviews", str(args.reviews)]
    command += ["--transcripts", str(args.transcripts), "--new-reviews", str(args.new_reviews)]
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    state = json.loads((Path(env["CRYOVIEW_DATA_DIR"]) / STATE_FILE).read_text())
    index_ms = state["index_ms"]
    index_median = statistics.median(index_ms)
    index_mark = "PASS" if index_median < INDEX_TARGET_MS else "MISS"
    print(
        f"  indexing one new review (index_item.call, {len(index_ms)} reviews): median {index_median:.1f} ms, "
        f"max {max(index_ms):.1f} ms; target < {INDEX_TARGET_MS:g} ms  {index_mark}"
    )
    print(f"  each query answered by the index itself (search_run_uncached, no kept results), {UNCACHED_RUNS} runs:")
    for label, runs in state["uncached_ms"].items():
        print(f"    {label:20} median {statistics.median(runs):6.1f} ms, max {max(runs):6.1f} ms")
    with gunicorn(env, args.workers) as port:
        problems = check(port, state["rare"])
        for problem in problems:
            print(f"  ERROR {problem}")
        results = [measure(port, "trivial view", TRIVIAL, args.seconds, args.clients)]
        results += [measure(port, label, path, args.seconds, args.clients) for label, path, _ in urls()]
        results.append(measure(port, "trivial view (again)", TRIVIAL, args.seconds, args.clients))
    reference = (results[0].rps + results[-1].rps) / 2
    print(
        f"\n  gunicorn {args.workers} sync workers, {args.clients} connections, {args.seconds:g} s a URL after 1 s "
        f"of warm-up; reference: mean of the two trivial runs, {reference:.0f} req/s; "
        f"target ≥ {RATIO_TARGET:g} x it and p99 < {P99_TARGET_MS:g} ms"
    )
    print(f"  {'':22} {'URL':40} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'ratio':>6}")
    passed, errors = 0, len(problems)
    for result in results:
        mark = ("ERROR" if result.errors else "ref") if result.path == TRIVIAL else verdict(result, reference)
        passed += mark == "PASS"
        errors += result.errors
        print(
            f"  {result.label:22} {result.path:40} {result.requests:8d} {result.rps:7.0f} {result.p50_ms:7.1f} "
            f"{result.p99_ms:7.1f} {result.errors:6d} {result.rps / reference:6.2f}  {mark}"
        )
    line = (
        f"{name}: {passed}/{len(results) - 2} URLs PASS; index one review {index_median:.1f} ms {index_mark}; "
        f"rebuild {state['rows']:,} rows {state['rebuild_seconds']:.1f} s"
    )
    return line + (f", {errors} errors" if errors else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--transcripts", type=int, default=10_000, help="reviews with a video and its transcript")
    parser.add_argument("--new-reviews", type=int, default=50, help="reviews indexed one by one after the rebuild")
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per URL (after 1 s warm-up)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (make run's default: 2)")
    parser.add_argument("--require-postgres", action="store_true", help="fail instead of skipping PostgreSQL")
    parser.add_argument("--keep", action="store_true", help="keep the data folder and the bench_search database")
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.reviews < 2_000:
        parser.error("--reviews must be at least 2000 (the planted rare word needs a few)")
    if not 0 <= args.transcripts <= args.reviews or args.new_reviews < 1:
        parser.error("--transcripts must be between 0 and --reviews, --new-reviews at least 1")
    if args.seed_only:
        seed(args.reviews, args.transcripts, args.new_reviews)
        return 0

    summary: list[str] = []
    status = 0
    if args.backend in ("sqlite", "both"):
        with data_dir(args.keep, "bench-search-") as folder:
            summary.append(run_backend("SQLite", base_env(folder, f"sqlite:///{folder}/bench.sqlite3"), args))
    if args.backend in ("postgres", "both"):
        problem = postgres_database(PG_DATABASE)
        if problem is not None:
            line = f"PostgreSQL skipped: {PG_URL} is not usable ({problem})"
            if not args.require_postgres:
                line += "; --require-postgres makes this an error"
            print(f"\n== {line}")
            summary.append(line)
            status = 2 if args.require_postgres else 0
        else:
            try:
                with data_dir(args.keep, "bench-search-") as folder:
                    summary.append(run_backend("PostgreSQL", base_env(folder, PG_URL), args))
            finally:
                if not args.keep:
                    postgres_database(PG_DATABASE, drop_only=True)
    if any("errors" in line for line in summary):
        status = status or 1
    print(f"\nSummary ({args.reviews:,} reviews, {args.transcripts:,} transcripts, {args.clients} connections):")
    for line in summary:
        print(f"  {line}")
    print(f"  load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    return status


if __name__ == "__main__":
    sys.exit(main())
