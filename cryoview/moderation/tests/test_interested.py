"""Interested parties (moderation.interested): a higher floor names who has a stake in a review; their reports are
queued like any other but never count towards hiding it, and the party's record is written in the report's own
transaction. Tried with a party of the test's own, so the extension point is tested without the clinics app."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from cryoview.accounts.models import User
from cryoview.core.errors import ApplicationError
from cryoview.moderation.enums import ReporterTrust
from cryoview.moderation.interested import (
    InterestedParty,
    interested_stake,
    register_interested_party,
    unregister_interested_party,
)
from cryoview.moderation.models import Report
from cryoview.moderation.services import ReportReceipt, report_create
from cryoview.moderation.tests.factories import established
from cryoview.reviews.models import Review
from cryoview.reviews.tests.factories import published_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def massage(guides):
    from cryoview.procedures.models import Procedure

    return Procedure.objects.get(slug="facial-cryomassage")


@pytest.fixture
def threshold(settings):
    settings.CONFIG = replace(settings.CONFIG, reports_hide_threshold=3, reports_per_hour=1000)
    return 3


class Party:
    """A party that names the users in `members` as acting for "Test Clinic" and records what it was given."""

    def __init__(self) -> None:
        self.members: set[int] = set()
        self.recorded: list[tuple[int, int]] = []
        self.fail = False

    def check(self, review: Review, user: User) -> str | None:
        return "Test Clinic" if user.pk in self.members else None

    def record(self, report: Report, user: User) -> None:
        assert Report.objects.filter(pk=report.pk).exists(), "the report is stored before the party records it"
        self.recorded.append((report.pk, user.pk))
        if self.fail:
            raise RuntimeError("the party's own write failed")


@pytest.fixture
def party() -> Iterator[Party]:
    party = Party()
    register_interested_party(InterestedParty(name="test-party", check=party.check, record=party.record))
    yield party
    unregister_interested_party("test-party")


def _report(review: Review, who: User | None, key: str = "") -> ReportReceipt:
    return report_create(
        review=review, reporter=who, reporter_key=key or f"user:{who.pk if who else 'x'}", reason="fake_or_paid"
    )


def test_interested_reports_never_hide_however_many(massage, member, threshold, party):
    review = published_review(massage, member)
    staff = established(5, prefix="staff")
    party.members = {u.pk for u in staff}
    for who in staff:
        receipt = _report(review, who)
        assert receipt.hidden is False
        assert "Test Clinic" in receipt.message and "never hides a review" in receipt.message
    review.refresh_from_db()
    assert review.hidden_at is None, "five established members, all interested: the review stays visible"
    assert set(Report.objects.values_list("trust", flat=True)) == {ReporterTrust.INTERESTED}
    assert [user for _, user in party.recorded] == [u.pk for u in staff]


def test_interested_reports_do_not_add_to_the_others(massage, member, threshold, party):
    review = published_review(massage, member)
    [insider] = established(1, prefix="insider")
    party.members = {insider.pk}
    outsiders = established(2, prefix="outsider")
    for who in [insider, *outsiders]:
        _report(review, who)
    review.refresh_from_db()
    assert review.hidden_at is None, "two that count and one that does not: below the threshold of three"
    [third] = established(1, prefix="third")
    assert _report(review, third).hidden is True


def test_without_a_stake_a_member_counts_as_before(massage, member, threshold, party):
    review = published_review(massage, member)
    party.members = set()
    for who in established(3):
        _report(review, who)
    review.refresh_from_db()
    assert review.hidden_at is not None
    assert party.recorded == []


def test_a_visitor_is_never_asked(massage, member, party):
    review = published_review(massage, member)
    assert interested_stake(review=review, user=None) is None
    _report(review, None, key="ip:somewhere")
    assert Report.objects.get().trust == ReporterTrust.VISITOR


def test_a_failing_record_leaves_no_report(massage, member, threshold, party):
    review = published_review(massage, member)
    [insider] = established(1, prefix="insider")
    party.members, party.fail = {insider.pk}, True
    with pytest.raises(RuntimeError):
        _report(review, insider)
    assert not Report.objects.exists(), "the report and the party's record are one transaction"


def test_an_interested_party_reports_once_like_anyone(massage, member, threshold, party):
    review = published_review(massage, member)
    [insider] = established(1, prefix="insider")
    party.members = {insider.pk}
    _report(review, insider)
    with pytest.raises(ApplicationError) as error:
        _report(review, insider)
    assert error.value.code == "already_reported"
    assert Report.objects.count() == 1 and len(party.recorded) == 1


def test_unregistered_the_party_is_not_asked(massage, member, threshold):
    calls: list[int] = []

    def check(review: Review, user: User) -> str | None:
        calls.append(user.pk)
        return "Gone"

    register_interested_party(InterestedParty(name="gone", check=check, record=lambda report, user: None))
    unregister_interested_party("gone")
    review = published_review(massage, member)
    [who] = established(1)
    _report(review, who)
    assert calls == [] and Report.objects.get().trust == ReporterTrust.TRUSTED


def test_the_queue_shows_an_interested_report_as_not_counting(client, massage, member, moderator, party):
    review = published_review(massage, member, title="Reported by its clinic")
    [insider] = established(1, prefix="insider")
    party.members = {insider.pk}
    _report(review, insider)
    client.force_login(moderator)
    page = client.get("/moderation/").text
    assert "Reported by its clinic" in page
    assert 'data-trust="interested"' in page and "Clinic of this review" in page
    assert "Clinic of this review: counts towards hiding" not in page
