"""The guide's numbers: published, visible reviews only, with the sample size."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cryoview.moderation.enums import Decision
from cryoview.moderation.services import review_decide
from cryoview.reviews.selectors import stats_compute
from cryoview.reviews.services import review_hide, review_withdraw
from cryoview.reviews.tests.factories import pending_review, published_review, stats_after_the_worker

pytestmark = pytest.mark.django_db(transaction=True)


def test_no_reviews_no_numbers(massage):
    stats = stats_after_the_worker(procedure=massage)
    assert stats["count"] == 0
    assert stats["rating"]["average"] is None and stats["worth_it_percent"] is None


def test_every_aggregate_over_published_reviews(warts):
    published_review(
        warts, rating=5, worth_it="worth_it", sessions=1, cost_amount=Decimal("50"), side_effects=["blister"]
    )
    published_review(
        warts,
        rating=4,
        worth_it="worth_it",
        sessions=2,
        cost_amount=Decimal("70"),
        side_effects=["blister", "recurrence"],
    )
    published_review(
        warts,
        rating=1,
        worth_it="not_worth_it",
        sessions=4,
        cost_amount=Decimal("3000"),
        cost_currency="RUB",
        side_effects=["none"],
    )
    published_review(
        warts, rating=3, worth_it="not_sure", sessions=None, cost_amount=Decimal("90"), side_effects=["recurrence"]
    )
    stats = stats_after_the_worker(procedure=warts)
    assert stats["count"] == 4
    assert stats["rating"]["average"] == 3.25
    assert stats["rating"]["distribution"] == {"5": 1, "4": 1, "3": 1, "2": 0, "1": 1}
    assert stats["worth_it_percent"] == 50
    assert stats["sessions_median"] == 2.0  # of 1, 2, 4
    assert stats["cost"] == [
        {"currency": "EUR", "count": 3, "median": 70.0, "min": 50.0, "max": 90.0},
        {"currency": "RUB", "count": 1, "median": 3000.0, "min": 3000.0, "max": 3000.0},
    ]
    shares = {s["slug"]: s["percent"] for s in stats["side_effects"]}
    assert shares == {"blister": 50, "recurrence": 50, "none": 25}
    assert stats["with_followup"] == 0
    assert stats == stats_compute(procedure=warts), "the stored row matches a fresh count"


def test_an_even_number_of_sessions_has_the_mean_of_the_middle_two(warts):
    for sessions in (1, 2, 3, 10):
        published_review(warts, sessions=sessions)
    assert stats_after_the_worker(procedure=warts)["sessions_median"] == 2.5


def test_rejected_pending_withdrawn_and_hidden_reviews_never_count(massage, member, moderator):
    counted = published_review(massage, rating=5)
    pending_review(massage, rating=1)  # pending
    rejected = pending_review(massage, rating=1)
    review_decide(review=rejected, by=moderator, decision=Decision.REJECT, reason="Fake")
    withdrawn = published_review(massage, member, rating=1)
    review_withdraw(review=withdrawn, by=member)
    hidden = published_review(massage, rating=1)
    review_hide(review=hidden)
    draft = pending_review(massage, rating=1)
    draft.status = "draft"
    draft.save()
    stats = stats_after_the_worker(procedure=massage)
    assert stats["count"] == 1
    assert stats["rating"]["average"] == 5
    assert stats["rating"]["distribution"]["1"] == 0
    assert counted.is_visible


def test_a_review_taken_down_after_reports_leaves_the_numbers(massage, moderator):
    review = published_review(massage, rating=2)
    review_hide(review=review)
    review.refresh_from_db()
    assert stats_after_the_worker(procedure=massage)["count"] == 0
    review_decide(review=review, by=moderator, decision=Decision.APPROVE)  # keep it: counted again
    assert stats_after_the_worker(procedure=massage)["count"] == 1
    review_hide(review=review)
    review.refresh_from_db()
    review_decide(review=review, by=moderator, decision=Decision.REJECT, reason="Paid review")
    review.refresh_from_db()
    assert review.status == "rejected"
    assert stats_after_the_worker(procedure=massage)["count"] == 0
