"""The review lifecycle through the services: draft → pending → published | rejected → withdrawn."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from cryoview.core.errors import ApplicationError
from cryoview.moderation.enums import Decision
from cryoview.moderation.models import ModerationDecision
from cryoview.moderation.services import followup_decide_as, review_decide
from cryoview.reviews.models import FollowUp, Review
from cryoview.reviews.selectors import review_can_view, review_get_for, stats_get
from cryoview.reviews.services import (
    followup_add,
    review_create,
    review_update,
    review_withdraw,
)
from cryoview.reviews.tests.factories import (
    pending_review,
    processing_video,
    ready_video,
    recount_queued,
    review_input,
    stats_after_the_worker,
)
from cryoview.videos import storage
from cryoview.videos.models import Video

pytestmark = pytest.mark.django_db(transaction=True)


def problems_of(error: ApplicationError) -> dict[str, str]:
    return {p.field: p.message for p in error.problems}


def test_a_submitted_review_waits_for_moderation_and_nobody_else_sees_it(massage, member, other_member, moderator):
    review = review_create(author=member, procedure=massage, data=review_input(), consent=True)
    assert review.status == "pending"
    assert review.consent_text.startswith("I agree that Cryoview publishes this review")
    assert review.consented_at is not None
    assert review_can_view(review=review, user=member)
    assert review_can_view(review=review, user=moderator)
    assert not review_can_view(review=review, user=other_member)
    assert not review_can_view(review=review, user=None)
    assert stats_after_the_worker(procedure=massage)["count"] == 0


def test_submitting_needs_consent_and_leaves_nothing_behind(massage, member):
    with pytest.raises(ApplicationError) as caught:
        review_create(author=member, procedure=massage, data=review_input(), consent=False)
    assert "consent" in problems_of(caught.value)
    assert not Review.objects.exists()


def test_a_draft_needs_no_consent_and_is_submitted_later(massage, member):
    review = review_create(author=member, procedure=massage, data=review_input(), consent=False, submit=False)
    assert review.status == "draft"
    with pytest.raises(ApplicationError):
        review_update(review=review, by=member, data=review_input(), submit=True)
    review_update(review=review, by=member, data=review_input(title="Now ready"), consent=True, submit=True)
    review.refresh_from_db()
    assert (review.status, review.title) == ("pending", "Now ready")


def test_one_review_per_member_and_procedure(massage, warts, member):
    pending_review(massage, member)
    with pytest.raises(ApplicationError) as caught:
        pending_review(massage, member)
    assert caught.value.status == 409
    pending_review(warts, member)  # another procedure is fine
    assert Review.objects.filter(author=member).count() == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"worth_it": "maybe"}, "worth_it"),
        ({"title": "   "}, "title"),
        ({"body": ""}, "body"),
        ({"body": "x" * 10_001}, "body"),
        ({"sessions": 0}, "sessions"),
        ({"pain": 11}, "pain"),
        ({"downtime_days": 400}, "downtime_days"),
        ({"cost_currency": "EURO"}, "cost_currency"),
        ({"cost_currency": "XXX"}, "cost_currency"),
        ({"cost_amount": Decimal("-1")}, "cost_amount"),
        ({"cost_amount": None, "cost_currency": "EUR"}, "cost_amount"),
        ({"cost_amount": Decimal("10"), "cost_currency": ""}, "cost_currency"),
        ({"treated_month": date.today() + timedelta(days=40)}, "treated_month"),
        ({"side_effects": ["scarring-rare"]}, "side_effects"),  # a wart-removal side effect, not cryomassage's
        ({"side_effects": ["none", "blister"]}, "side_effects"),
        ({"side_effects": ["other"], "side_effect_other": ""}, "side_effect_other"),
        ({"city": "c" * 81}, "city"),
    ],
)
def test_each_invalid_field_is_named_and_nothing_is_stored(massage, member, overrides, field):
    with pytest.raises(ApplicationError) as caught:
        review_create(author=member, procedure=massage, data=review_input(**overrides), consent=True)
    assert caught.value.status == 422
    assert field in problems_of(caught.value), caught.value.problems
    assert not Review.objects.exists()


def test_side_effects_come_from_the_guides_own_list(massage, warts, member):
    review = pending_review(warts, member, side_effects=["blister", "recurrence", "other"], side_effect_other="itching")
    assert review.side_effects == ["blister", "other", "recurrence"]
    assert review.side_effect_other == "itching"


def test_a_video_must_be_the_authors_and_not_failed(massage, member, other_member, clean_private_store):
    theirs = ready_video(other_member)
    with pytest.raises(ApplicationError) as caught:
        pending_review(massage, member, video_id=str(theirs.pk))
    assert "video_id" in problems_of(caught.value)
    failed = processing_video(member)
    Video.objects.filter(pk=failed.pk).update(status="failed", error_code="no_video", error_message="No video.")
    with pytest.raises(ApplicationError) as caught:
        pending_review(massage, member, video_id=str(failed.pk))
    assert "could not be processed" in problems_of(caught.value)["video_id"]
    assert not Review.objects.exists()
    # A video still processing may come along: the review waits for it (test_video_waiting.py).
    busy = processing_video(member)
    assert pending_review(massage, member, video_id=str(busy.pk)).video_id == busy.pk


def test_approval_publishes_the_review_and_its_video_and_tells_the_author(
    massage, member, moderator, clean_private_store
):
    video = ready_video(member)
    review = pending_review(massage, member, video_id=str(video.pk))
    assert not Video.objects.get(pk=video.pk).is_published
    review_decide(review=review, by=moderator, decision=Decision.APPROVE)
    review.refresh_from_db()
    assert review.status == "published" and review.has_video and review.published_at
    assert Video.objects.get(pk=video.pk).is_published
    assert review_get_for(review_id=review.pk, user=None) is not None
    assert stats_after_the_worker(procedure=massage)["count"] == 1
    [message] = mail.outbox
    assert message.to == [member.email]
    assert "is published" in message.subject
    assert f"/reviews/{review.pk}/" in message.body
    entry = ModerationDecision.objects.get()
    assert (entry.moderator_id, entry.decision, entry.target_kind, entry.target_id) == (
        moderator.pk,
        "approve",
        "review",
        str(review.pk),
    )


def test_rejection_needs_a_reason_which_the_author_sees(massage, member, moderator):
    review = pending_review(massage, member)
    with pytest.raises(ApplicationError) as caught:
        review_decide(review=review, by=moderator, decision=Decision.REJECT, reason="  ")
    assert "reason" in problems_of(caught.value)
    assert not ModerationDecision.objects.exists()
    review_decide(review=review, by=moderator, decision=Decision.REJECT, reason="Please remove the clinic's phone.")
    review.refresh_from_db()
    assert review.status == "rejected"
    assert review.rejection_reason == "Please remove the clinic's phone."
    assert "Please remove the clinic's phone." in mail.outbox[0].body
    assert stats_after_the_worker(procedure=massage)["count"] == 0
    # The author fixes it and sends it again.
    review_update(review=review, by=member, data=review_input(body="Fixed text."), submit=True)
    review.refresh_from_db()
    assert (review.status, review.rejection_reason) == ("pending", "")


def test_members_cannot_decide(massage, member, other_member):
    review = pending_review(massage, member)
    with pytest.raises(ApplicationError) as caught:
        review_decide(review=review, by=other_member, decision=Decision.APPROVE)
    assert caught.value.status == 403
    review.refresh_from_db()
    assert review.status == "pending"


def test_an_edit_of_a_published_review_waits_and_the_published_version_stays(massage, member, moderator):
    review = pending_review(massage, member, rating=5, title="Great")
    review_decide(review=review, by=moderator, decision=Decision.APPROVE)
    review.refresh_from_db()
    review_update(review=review, by=member, data=review_input(rating=2, title="It came back"))
    public = review_get_for(review_id=review.pk, user=None)
    assert public is not None
    assert (public.title, public.rating, public.status) == ("Great", 5, "published")
    assert stats_after_the_worker(procedure=massage)["rating"]["average"] == 5
    review_decide(review=review, by=moderator, decision=Decision.APPROVE)
    review.refresh_from_db()
    assert (review.title, review.rating, review.pending_edit) == ("It came back", 2, None)
    assert stats_after_the_worker(procedure=massage)["rating"]["average"] == 2
    assert [d.target_kind for d in ModerationDecision.objects.order_by("id")] == ["review", "edit"]


def test_a_rejected_edit_keeps_the_published_version(massage, member, moderator):
    review = pending_review(massage, member, title="Original")
    review_decide(review=review, by=moderator, decision=Decision.APPROVE)
    review.refresh_from_db()
    review_update(review=review, by=member, data=review_input(title="Buy at example.com"))
    review_decide(review=review, by=moderator, decision=Decision.REJECT, reason="No advertising.")
    review.refresh_from_db()
    assert (review.status, review.title, review.edit_rejection_reason) == ("published", "Original", "No advertising.")


def test_withdrawing_deletes_the_video_and_every_derivative(massage, member, moderator, clean_private_store):
    video = ready_video(member)
    folder = storage.video_dir(video.pk)
    review = pending_review(massage, member, video_id=str(video.pk))
    review_decide(review=review, by=moderator, decision=Decision.APPROVE)
    review.refresh_from_db()
    assert folder.exists() and stats_after_the_worker(procedure=massage)["count"] == 1
    review_withdraw(review=review, by=member)
    review.refresh_from_db()
    assert review.status == "withdrawn"
    assert review.body == "" and review.video_id is None
    assert not Video.objects.filter(pk=video.pk).exists()
    assert not folder.exists()
    assert stats_after_the_worker(procedure=massage)["count"] == 0
    assert review_get_for(review_id=review.pk, user=member) is None
    # After withdrawing, the member may write about the procedure again.
    assert pending_review(massage, member).status == "pending"


def test_another_members_review_cannot_be_changed(massage, member, other_member):
    review = pending_review(massage, member)
    for attempt in (
        lambda: review_update(review=review, by=other_member, data=review_input(title="Hacked")),
        lambda: review_withdraw(review=review, by=other_member),
        lambda: followup_add(review=review, by=other_member, body="x"),
    ):
        with pytest.raises(ApplicationError) as caught:
            attempt()
        assert caught.value.status == 404
    review.refresh_from_db()
    assert review.title != "Hacked" and review.status == "pending"


def test_a_follow_up_months_later_is_moderated_and_can_change_the_rating(warts, member, moderator):
    review = pending_review(warts, member, rating=5, side_effects=["blister"])
    with pytest.raises(ApplicationError) as caught:
        followup_add(review=review, by=member, body="Too early")
    assert caught.value.status == 409  # only on a published review
    review_decide(review=review, by=moderator, decision=Decision.APPROVE)
    review.refresh_from_db()
    followup = followup_add(review=review, by=member, body="The wart came back after three months.", new_rating=2)
    assert followup.status == "pending"
    assert stats_after_the_worker(procedure=warts)["with_followup"] == 0
    followup_decide_as(followup=followup, by=moderator, decision=Decision.APPROVE)
    review.refresh_from_db()
    assert (review.rating, review.followup_count) == (2, 1)
    stats = stats_after_the_worker(procedure=warts)
    assert stats["with_followup"] == 1 and stats["rating"]["average"] == 2
    assert FollowUp.objects.get().published_at is not None


def test_a_member_cannot_flood_the_moderators(massage, warts, member, settings):
    from dataclasses import replace

    settings.CONFIG = replace(settings.CONFIG, reviews_per_day=1)
    pending_review(massage, member)
    with pytest.raises(ApplicationError) as caught:
        pending_review(warts, member)
    assert caught.value.status == 429
    assert Review.objects.filter(author=member).count() == 1


def test_a_decision_on_a_withdrawn_review_is_refused(massage, member, moderator):
    review = pending_review(massage, member)
    review_withdraw(review=review, by=member)
    with pytest.raises(ApplicationError) as caught:
        review_decide(review=review, by=moderator, decision=Decision.APPROVE)
    assert caught.value.status == 404
    assert not ModerationDecision.objects.exists()


def test_stats_refresh_happens_after_commit_in_a_task(massage, member, moderator):
    review = pending_review(massage, member)
    before = timezone.now()
    review_decide(review=review, by=moderator, decision=Decision.APPROVE)
    assert stats_get(procedure=massage)["count"] == 0, "queued, not counted inside the decision"
    assert recount_queued() == 1
    massage.refresh_from_db()
    assert massage.review_stats.updated_at >= before
    assert stats_get(procedure=massage)["count"] == 1
