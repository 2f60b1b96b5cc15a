"""Reports and hiding, tried as an attacker would: only several established members can hide anything, and only
until a moderator decides; every report reaches the queue at once; every outcome is logged and counted."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.env import ConfigError, load
from cryoview.accounts.models import User
from cryoview.accounts.services import token_issue
from cryoview.comments.enums import CommentStatus
from cryoview.comments.models import Comment
from cryoview.comments.selectors import Target
from cryoview.comments.tests.factories import approved
from cryoview.core.errors import ApplicationError
from cryoview.moderation.enums import Decision
from cryoview.moderation.models import ModerationDecision, Report
from cryoview.moderation.services import (
    ReportReceipt,
    comment_decide,
    comment_report_create,
    report_create,
    review_decide,
)
from cryoview.moderation.tests.factories import established, reporter
from cryoview.reviews.models import Review
from cryoview.reviews.tests.factories import pending_review, published_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def massage(guides):
    from cryoview.procedures.models import Procedure

    return Procedure.objects.get(slug="facial-cryomassage")


@pytest.fixture
def threshold(settings):
    settings.CONFIG = replace(settings.CONFIG, reports_hide_threshold=3, reports_per_hour=1000)
    return 3


def _item(kind: str, massage, author: User) -> Review | Comment:
    if kind == "review":
        return published_review(massage, author)
    return approved(Target(procedure=massage), author, "Nitrogen on the eyelids is fine")


def _report(item: Review | Comment, who: User | None, key: str = "") -> ReportReceipt:
    key = key or (f"user:{who.pk}" if who else "ip:somewhere")
    if isinstance(item, Review):
        return report_create(review=item, reporter=who, reporter_key=key, reason="dangerous_advice")
    return comment_report_create(comment=item, reporter=who, reporter_key=key, reason="dangerous_advice")


def _hidden(item: Review | Comment) -> bool:
    item.refresh_from_db()
    if isinstance(item, Review):
        return item.hidden_at is not None
    return item.status == CommentStatus.HELD


def _visitors(n: int) -> list[tuple[None, str]]:
    return [(None, f"ip:address-{i}") for i in range(n)]


# Who reports -> whether the item must end up hidden (threshold 3).
ATTACKS = {
    "ten visitors from ten addresses": (lambda author: _visitors(10), False),
    "one person with five new verified accounts": (
        lambda author: [(reporter(f"sock{i}@example.org", days_old=1), "") for i in range(5)],
        False,
    ),
    "five old accounts without a verified address": (
        lambda author: [(reporter(f"old{i}@example.org", verified=False), "") for i in range(5)],
        False,
    ),
    "the author and two established members": (
        lambda author: [(author, ""), *((u, "") for u in established(2))],
        False,
    ),
    "two established members and many visitors": (
        lambda author: [*((u, "") for u in established(2)), *_visitors(5)],
        False,
    ),
    "one established member from many addresses": (
        lambda author: [(u, f"ip:address-{i}") for i, u in enumerate(established(1) * 4)],
        False,
    ),
    "three established members": (lambda author: [(u, "") for u in established(3)], True),
}


@pytest.mark.parametrize("kind", ["review", "comment"])
@pytest.mark.parametrize("attack", list(ATTACKS))
def test_only_several_established_members_hide_an_item(kind, attack, massage, member, threshold):
    reporters, hides = ATTACKS[attack]
    item = _item(kind, massage, member)
    stored = 0
    for who, key in reporters(member):
        try:
            _report(item, who, key)
            stored += 1
        except ApplicationError as error:
            assert error.code == "already_reported", "the one reporter from many addresses is still one person"
    assert _hidden(item) is hides
    assert Report.objects.filter(resolved_at__isnull=True).count() == stored, "every report is kept for the queue"


@pytest.mark.parametrize("kind", ["review", "comment"])
def test_a_kept_item_cannot_be_hidden_again_by_the_same_members(kind, massage, member, moderator, threshold):
    item = _item(kind, massage, member)
    members = established(3)
    for who in members:
        _report(item, who)
    assert _hidden(item)
    if isinstance(item, Review):
        review_decide(review=item, by=moderator, decision=Decision.APPROVE)
    else:
        comment_decide(comment=item, by=moderator, decision=Decision.APPROVE)
    assert not _hidden(item)
    for who in members:
        receipt = _report(item, who)
        assert "does not count towards hiding" in receipt.message
    assert not _hidden(item)
    assert set(Report.objects.filter(resolved_at__isnull=True).values_list("trust", flat=True)) == {"repeat"}


def test_a_reporter_reads_what_really_happens(client, massage, member, threshold):
    review = published_review(massage, member)
    page = client.post(f"/reviews/{review.pk}/report/", {"reason": "fake_or_paid"}, follow=True).text
    assert "a moderator will review it" in page
    assert "never hide a review by themselves" in page
    first, second, third = established(3)
    for who in (first, second):
        client.force_login(who)
        page = client.post(f"/reviews/{review.pk}/report/", {"reason": "fake_or_paid"}, follow=True).text
        assert "Reports alone never remove a review" in page
    client.force_login(third)
    page = client.post(f"/reviews/{review.pk}/report/", {"reason": "fake_or_paid"}, follow=True)
    assert "hidden until a moderator decides" in page.text


def test_every_report_reaches_the_queue_at_once_with_who_sent_it(client, massage, member, moderator, threshold):
    review = published_review(massage, member, title="Shown and reported once")
    comment = approved(Target(procedure=massage), member, "A shown comment, reported once")
    report_create(review=review, reporter=None, reporter_key="ip:x", reason="other", details="Looks like an advert")
    [trusted] = established(1)
    comment_report_create(comment=comment, reporter=trusted, reporter_key="", reason="fake_or_paid")
    assert not _hidden(review) and not _hidden(comment)
    client.force_login(moderator)
    page = client.get("/moderation/").text
    assert "Shown and reported once" in page and "A shown comment, reported once" in page
    assert "Looks like an advert" in page and ">visitor<" in page
    assert trusted.public_name in page and "Established member: counts towards hiding" in page
    queue = client.get(
        "/api/v1/moderation/queue", HTTP_AUTHORIZATION=f"Bearer {token_issue(user=moderator, name='t').secret}"
    )
    reports = {r["reporter"]: r for item in queue.json() for r in item["reports"]}
    assert reports["visitor"]["trust"] == "visitor" and reports["visitor"]["details"] == "Looks like an advert"
    assert reports[trusted.public_name]["trust"] == "trusted"


def test_dismissing_reports_one_by_one_puts_a_hidden_review_back(
    client, massage, member, moderator, threshold, django_capture_on_commit_callbacks
):
    review = published_review(massage, member)
    for who in established(3):
        _report(review, who)
    assert _hidden(review)
    first = Report.objects.order_by("pk").first()
    client.force_login(moderator)
    response = client.post(
        f"/moderation/reviews/{review.pk}/decision", {"decision": "dismiss", "report": str(first.pk)}, follow=True
    )
    assert "dismissed" in response.text
    assert not _hidden(review), "two trusted reports left: below the threshold"
    assert Report.objects.filter(resolved_at__isnull=True).count() == 2
    assert "2 open reports" in client.get("/moderation/").text, "the rest still wait for a moderator"
    log = ModerationDecision.objects.get()
    assert log.decision == "dismiss" and list(log.reports.all()) == [first]
    token = {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=moderator, name='t').secret}"}
    url = f"/api/v1/moderation/reviews/{review.pk}/decision"
    wrong = client.post(
        url, {"decision": "dismiss", "report_ids": [first.pk]}, content_type="application/json", **token
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "report_ids"
    with django_capture_on_commit_callbacks(execute=True):  # a queued e-mail would be sent
        done = client.post(url, {"decision": "dismiss"}, content_type="application/json", **token)
    assert done.status_code == 200 and done.json()["decided"] == "reports"
    assert set(Report.objects.values_list("resolution", flat=True)) == {"dismissed"}
    assert mail.outbox == [], "the author is not bothered when reports are set aside"


def test_dismiss_is_for_reports_only(massage, member, moderator):
    review = pending_review(massage, member)
    with pytest.raises(ApplicationError) as error:
        review_decide(review=review, by=moderator, decision=Decision.DISMISS)
    assert error.value.problems[0].field == "decision"


def test_taking_down_a_shown_review_after_one_report_tells_the_author(
    massage, member, moderator, threshold, django_capture_on_commit_callbacks
):
    review = published_review(massage, member)
    report_create(review=review, reporter=None, reporter_key="ip:x", reason="private_information")
    with django_capture_on_commit_callbacks(execute=True):
        review_decide(review=review, by=moderator, decision=Decision.REJECT, reason="It shows a patient's face")
    review.refresh_from_db()
    assert review.status == "rejected" and review.rejection_reason == "It shows a patient's face"
    assert Report.objects.get().resolution == "taken_down"
    assert ModerationDecision.objects.get().reports.count() == 1
    assert "It shows a patient's face" in mail.outbox[-1].body


def test_a_comment_kept_after_reports_is_shown_and_its_reports_dismissed(massage, member, moderator, threshold):
    comment = approved(Target(procedure=massage), member, "Fine advice")
    for who in established(3):
        _report(comment, who)
    assert _hidden(comment)
    comment_decide(comment=comment, by=moderator, decision=Decision.DISMISS, reason="Reports from a rival clinic")
    assert not _hidden(comment)
    assert set(Report.objects.values_list("resolution", flat=True)) == {"dismissed"}
    assert ModerationDecision.objects.get().reports.count() == 3


def _reports_over_two_months(review: Review, moderator: User) -> None:
    for i in range(3):
        report_create(review=review, reporter=None, reporter_key=f"ip:{i}", reason="fake_or_paid")
    report_create(review=review, reporter=None, reporter_key="ip:z", reason="other", details="x")
    Report.objects.filter(reporter_key="ip:0").update(created_at=timezone.now() - timedelta(days=62))
    review_decide(
        review=review, by=moderator, decision=Decision.DISMISS, report_ids=[Report.objects.order_by("pk")[0].pk]
    )
    review_decide(review=review, by=moderator, decision=Decision.APPROVE)


def test_report_statistics_per_reason_and_month(client, massage, member, moderator, threshold):
    review = published_review(massage, member)
    _reports_over_two_months(review, moderator)
    for who in (None, member):
        client.logout()
        if who:
            client.force_login(who)
        assert client.get("/moderation/stats/").status_code == 404
    client.force_login(moderator)
    assert 'href="/moderation/stats/"' in client.get("/moderation/").text
    page = client.get("/moderation/stats/").text
    assert 'data-total="received">4<' in page and 'data-total="kept">3<' in page
    assert 'data-total="dismissed">1<' in page and 'data-total="taken_down">0<' in page
    stats = client.get(
        "/api/v1/moderation/stats", HTTP_AUTHORIZATION=f"Bearer {token_issue(user=moderator, name='t').secret}"
    ).json()
    assert stats["total"]["received"] == 4 and len({row["month"] for row in stats["by_month"]}) == 2
    fake = next(row for row in stats["by_reason"] if row["reason"] == "Fake or paid")
    assert (fake["received"], fake["kept"], fake["dismissed"], fake["open"]) == (3, 2, 1, 0)


def test_report_statistics_take_the_same_queries_for_few_and_many(client, massage, member, moderator, threshold):
    client.force_login(moderator)
    review = published_review(massage, member)
    report_create(review=review, reporter=None, reporter_key="ip:a", reason="other", details="x")
    with CaptureQueriesContext(connection) as few:
        client.get("/moderation/stats/")
    for reason in ("fake_or_paid", "dangerous_advice", "this_is_me", "private_information"):
        for i in range(3):
            report_create(review=review, reporter=None, reporter_key=f"ip:{reason}{i}", reason=reason)
    Report.objects.filter(reason="this_is_me").update(created_at=timezone.now() - timedelta(days=100))
    with CaptureQueriesContext(connection) as many:
        assert client.get("/moderation/stats/").status_code == 200
    assert len(many) == len(few)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CRYOVIEW_REPORTS_TRUSTED_ACCOUNT_DAYS", "0"),
        ("CRYOVIEW_REPORTS_TRUSTED_ACCOUNT_DAYS", "seven"),
        ("CRYOVIEW_REPORTS_TRUSTED_ACCOUNT_DAYS", "²"),
        ("CRYOVIEW_REPORTS_TRUSTED_ACCOUNT_DAYS", "-3"),
        ("CRYOVIEW_REPORTS_HIDE_THRESHOLD", "1"),
    ],
)
def test_the_trust_settings_are_parsed_strictly(name, value):
    with pytest.raises(ConfigError) as error:
        load({name: value}, base_dir=Path("/tmp"))
    assert error.value.name == name


def test_the_account_age_is_configurable(massage, member, settings):
    settings.CONFIG = replace(settings.CONFIG, reports_trusted_account_days=60)
    review = published_review(massage, member)
    assert (
        report_create(
            review=review, reporter=reporter("month@example.org"), reporter_key="", reason="other", details="x"
        ).report.trust
        == "new_account"
    )
    assert (
        report_create(
            review=review,
            reporter=reporter("year@example.org", days_old=365),
            reporter_key="",
            reason="other",
            details="x",
        ).report.trust
        == "trusted"
    )
