"""Reads of the right of reply: a clinic's reviews with its reply, the moderators' queue, and what the public sees."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import F, QuerySet

from cryoview.clinics.enums import REPLY_LIVE, ReplyStatus
from cryoview.clinics.models import Clinic, Reply
from cryoview.reviews.enums import ReviewStatus
from cryoview.reviews.models import Review
from cryoview.reviews.selectors import ReviewPage, review_page_of

STAFF_PAGE_SIZE = 50  # the reviews API's largest page
LIVE = REPLY_LIVE


def _visible_reviews_of(clinic: Clinic) -> QuerySet[Review]:
    return Review.objects.filter(
        attribution__clinic=clinic, status=ReviewStatus.PUBLISHED, hidden_at__isnull=True
    ).select_related("procedure", "author")


def staff_reviews(*, clinic: Clinic, cursor: str | None = None, limit: int = STAFF_PAGE_SIZE) -> ReviewPage:
    """One page of the clinic's visible reviews, in the guide list's order (videos first, then newest) with its
    cursors, each with `clinic_reply`: its last reply of the clinic (any status, so staff see what waits or was
    refused) or None. Two queries a page, however many reviews the clinic has. A cursor that is not one this
    list gave out is an ApplicationError (422) naming `cursor`."""
    page = review_page_of(visible=_visible_reviews_of(clinic), cursor=cursor, limit=limit)
    latest: dict[int, Reply] = {}
    if page.items:
        replies = Reply.objects.filter(by_reviewer=False, clinic=clinic, review_id__in=[r.pk for r in page.items])
        for reply in replies.order_by("created_at", "id"):
            latest[reply.review_id] = reply
    for review in page.items:
        review.clinic_reply = latest.get(review.pk)  # type: ignore[attr-defined]
    return page


def staff_review(*, clinic: Clinic, review_id: int) -> Review | None:
    """One visible review attributed to the clinic; None otherwise (a 404 for staff of another clinic too)."""
    return _visible_reviews_of(clinic).filter(pk=review_id).first()


def reply_latest(*, review: Review, by_reviewer: bool) -> Reply | None:
    """The newest reply (or answer) of a review, whatever its status, of the clinic the review is attributed to
    now (an earlier clinic's are not shown): what its author sees on the form page."""
    current = Reply.objects.filter(clinic_id=F("review__attribution__clinic_id"))
    return current.filter(review=review, by_reviewer=by_reviewer).order_by("-created_at", "-id").first()


def reply_live(*, review: Review, by_reviewer: bool) -> Reply | None:
    current = Reply.objects.filter(clinic_id=F("review__attribution__clinic_id"))
    return current.filter(review=review, by_reviewer=by_reviewer, status__in=LIVE).first()


def replies_published(*, limit: int = 200) -> QuerySet[Reply]:
    """Published replies and answers, newest decision first: what a moderator may take down."""
    return (
        Reply.objects.filter(status=ReplyStatus.APPROVED)
        .select_related("review", "review__procedure", "clinic", "author")
        .order_by("-decided_at", "-id")[:limit]
    )


def replies_waiting() -> QuerySet[Reply]:
    """The moderators' queue: held replies and answers, oldest first, with the review they answer."""
    return (
        Reply.objects.filter(status=ReplyStatus.HELD)
        .select_related("review", "review__procedure", "clinic", "author")
        .order_by("created_at", "id")
    )


def reply_get(*, reply_id: int) -> Reply | None:
    return Reply.objects.filter(pk=reply_id).select_related("review", "review__procedure", "clinic").first()


@dataclass(frozen=True)
class ShownReplies:
    """What everyone sees under a review: the clinic's approved reply and, only beside it, the approved answer."""

    reply: Reply
    answer: Reply | None


def replies_shown(*, reviews: Sequence[Review]) -> dict[int, ShownReplies]:
    """The approved replies of those of `reviews` everyone can see, in one query. An answer is shown only with
    the clinic's reply it answers (a withdrawn or taken-down reply takes its answer out of sight too), and only
    those of the clinic each review is attributed to now (a moderator may have moved it to another clinic)."""
    ids = [review.pk for review in reviews if review.is_visible]
    if not ids:
        return {}
    rows = list(
        Reply.objects.filter(
            review_id__in=ids, status=ReplyStatus.APPROVED, clinic_id=F("review__attribution__clinic_id")
        ).select_related("clinic")
    )
    replies = {row.review_id: row for row in rows if not row.by_reviewer}
    answers = {row.review_id: row for row in rows if row.by_reviewer}
    return {review_id: ShownReplies(reply, answers.get(review_id)) for review_id, reply in replies.items()}
