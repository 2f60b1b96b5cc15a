"""The moderation queue with 50 adversarial items, before and after flags were stored at submission time.

Spec (issue "Trust under attack"): anonymous guests stalled the queue with crafted text (10 guest comments and 2
reviews of 5-10k characters took /moderation/ from 0.26 s to 20.9 s), because the e-mail and link patterns were
quadratic and ran for every item on every load. Print the queue's time with 50 adversarial items before and
after, in one run.

For each code tree (this one, and the baseline revision checked out into a temporary git worktree) a child
process builds a throw-away SQLite database with the real guides, seeds 50 items through the product's own
services (30 guest comments of 5,000 crafted characters, 10 of them then marked as spam; 10 new reviews of
10,000; 10 follow-ups of 5,000) and times, with Django's test client as a signed-in moderator, the queue page,
the queue API and the spam folder. This tree is also measured with 50 ordinary items of the same counts, so
the last column says whether what people write changes what the queue costs.

Usage: .venv/bin/python bench/moderation_queue.py [--baseline REV] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The last commit before flags were computed at submission time: the queue as the issue found it.
BASELINE = "7ee96ab"
URLS = [
    ("queue page", "/moderation/"),
    ("queue API", "/api/v1/moderation/queue"),
    ("spam folder", "/moderation/spam/"),
]
# Repetitions that made the old patterns scan the rest of the text from every position.
CRAFTED_UNITS = ["a.", "a-", "1.", "+1", "www.", "com.", "é."]
COMMENTS, SPAM, REVIEWS, FOLLOWUPS = 30, 10, 10, 10


def crafted(length: int, index: int) -> str:
    unit = CRAFTED_UNITS[index % len(CRAFTED_UNITS)]
    return (unit * (length // len(unit) + 1))[:length]


def ordinary(length: int, index: int) -> str:
    sentence = f"Session {index}: the nitrogen felt cold, my skin was pink for an hour and then calm. "
    return (sentence * (length // len(sentence) + 1))[:length]


# --- the child: one code tree, one database -----------------------------------------------------------------


def seed(text_of) -> None:  # type: ignore[no-untyped-def]
    from allauth.account.models import EmailAddress

    from cryoview.accounts.enums import Role
    from cryoview.accounts.models import User
    from cryoview.accounts.services import user_set_role
    from cryoview.comments.selectors import Target
    from cryoview.comments.services import FormEvidence, comment_mark_spam, comment_post
    from cryoview.procedures.models import Procedure
    from cryoview.reviews.services import ReviewInput, followup_add, review_approve, review_create

    procedures = list(Procedure.objects.order_by("slug"))

    def member(n: int) -> User:
        user = User.objects.create_user(email=f"bench{n}@example.org", password="bench-password-0123")  # noqa: S106
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        return user

    def data(body: str) -> ReviewInput:
        return ReviewInput(rating=3, worth_it="not_sure", title="Bench review", body=body, side_effects=["none"])

    for i in range(COMMENTS):
        comment = comment_post(
            target=Target(procedure=procedures[i % len(procedures)]),
            author=None,
            text=text_of(5_000, i),
            ip_hash=f"bench-address-{i}",
            guest_name=f"Guest {i}",
            form=FormEvidence(honeypot="", seconds_on_form=30),
        )
        if i < SPAM:
            comment_mark_spam(comment=comment, reason="bench")
    for i in range(REVIEWS):
        review_create(
            author=member(i), procedure=procedures[0], data=data(text_of(10_000, i)), consent=True, submit=True
        )
    approver = user_set_role(user=member(99), role=Role.MODERATOR)
    for i in range(FOLLOWUPS):
        author = member(100 + i)
        review = review_create(author=author, procedure=procedures[1], data=data("Fine."), consent=True, submit=True)
        review_approve(review=review, by=approver)
        followup_add(review=review, by=author, body=text_of(5_000, i))


def child(runs: int, kind: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from cryoview.accounts.enums import Role
    from cryoview.accounts.models import User
    from cryoview.accounts.services import token_issue, user_set_role

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("import_guides", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the pages name hashed static files
    started = time.perf_counter()
    seed(crafted if kind == "adversarial" else ordinary)
    seeded = time.perf_counter() - started
    moderator = user_set_role(
        user=User.objects.create_user(email="moderator@example.org", password="bench-password-0123"),  # noqa: S106
        role=Role.MODERATOR,
    )
    client = Client()
    client.force_login(moderator)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=moderator, name='bench').secret}"}
    figures: dict[str, object] = {"seed_seconds": seeded}
    for label, url in URLS:
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(url, **headers)
            times.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise SystemExit(f"{url}: HTTP {response.status_code}")
            if times[-1] > 10:  # the old code: one slow answer says enough
                break
        figures[label] = statistics.median(times)
    print(json.dumps(figures))


# --- the parent: one child per code tree ---------------------------------------------------------------------


def measure(tree: Path, runs: int, kind: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="cryoview-bench-queue-") as data:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("CRYOVIEW_")},
            "CRYOVIEW_ENVIRONMENT": "dev",
            "CRYOVIEW_DATA_DIR": data,
            "CRYOVIEW_DATABASE_URL": f"sqlite:///{data}/bench.sqlite3",
            "CRYOVIEW_MEDIA_ROOT": f"{data}/public",
            "CRYOVIEW_PRIVATE_MEDIA_ROOT": f"{data}/private",
            "CRYOVIEW_STATIC_ROOT": f"{data}/static",
            "CRYOVIEW_ALLOWED_HOSTS": "testserver",
            "CRYOVIEW_LOG_LEVEL": "ERROR",
            "CRYOVIEW_COMMENTS_PER_HOUR": "1000",
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "PYTHONPATH": str(tree),
        }
        command = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--runs", str(runs)]
        done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"the {kind} run in {tree} failed:\n{done.stderr[-3000:]}")
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default=BASELINE, help="the revision measured as 'before'")
    parser.add_argument("--runs", type=int, default=5, help="requests per page; the median is printed")
    parser.add_argument("--child", choices=["adversarial", "ordinary"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.runs, args.child)
        return
    with tempfile.TemporaryDirectory(prefix="cryoview-baseline-") as scratch:
        before_tree = Path(scratch) / "tree"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(before_tree), args.baseline],
            check=True,
        )
        try:
            print(f"seeding {COMMENTS + REVIEWS + FOLLOWUPS} adversarial items in {args.baseline} (before) ...")
            before = measure(before_tree, args.runs, "adversarial")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(before_tree)], check=False)
    print("... and in this tree (after), with adversarial and with ordinary items")
    after = measure(ROOT, args.runs, "adversarial")
    plain = measure(ROOT, args.runs, "ordinary")
    print(f"\n50 items: {COMMENTS} guest comments ({SPAM} in spam), {REVIEWS} reviews, {FOLLOWUPS} follow-ups")
    print(f"{'page':<14}{'before (s)':>12}{'after (s)':>12}{'before/after':>14}{'ordinary (s)':>14}{'adv/ord':>9}")
    for label, _url in URLS:
        b, a, o = before[label], after[label], plain[label]
        print(f"{label:<14}{b:>12.3f}{a:>12.3f}{b / a:>13.0f}x{o:>14.3f}{a / o:>9.2f}")
    print(f"seeding: before {before['seed_seconds']:.1f} s, after {after['seed_seconds']:.1f} s (flags computed here)")


if __name__ == "__main__":
    main()
