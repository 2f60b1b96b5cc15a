"""The moderation queue over the API (moderators only): the same selectors and services as the queue page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from pydantic import StringConstraints

from cryoview.accounts.models import User
from cryoview.api.reviews import ReviewOut, review_out
from cryoview.api.videos import require_user
from cryoview.comments.models import Comment
from cryoview.core.errors import ApplicationError, NotFoundError
from cryoview.core.validation import PlainStr
from cryoview.moderation.enums import Decision
from cryoview.moderation.selectors import (
    CommentQueueItem,
    comment_moderation_queue,
    comment_spam_folder,
    moderation_queue,
)
from cryoview.moderation.services import comment_decide, review_decide
from cryoview.reviews.models import Review

router = Router(tags=["moderation"])


def require_moderator(request: HttpRequest) -> User:
    user = require_user(request)
    if not user.is_moderator:
        raise ApplicationError("Only moderators can use the moderation queue.", status=403, code="forbidden")
    return user


class FlagOut(Schema):
    code: str
    reason: str


class ReportSummaryOut(Schema):
    reason: str
    part: str
    details: str
    created_at: dt.datetime


class CommentQueueOut(Schema):
    id: int
    author: str
    guest: bool
    guest_email: str
    page: str
    parent_id: int | None
    text: str
    text_html: str
    status: str
    reasons: list[str]
    created_at: dt.datetime
    edited_at: dt.datetime | None


class QueueItemOut(Schema):
    kind: str = Field(description="review, edit, followup, reports, comment or comment_reports")
    review: ReviewOut | None
    comment: CommentQueueOut | None = None
    followup_id: int | None
    followup_text_html: str | None
    pending_edit: dict[str, object] | None
    flags: list[FlagOut]
    reports: list[ReportSummaryOut]
    waiting_for_video: bool
    transcript: str


def _comment_item(item: CommentQueueItem) -> QueueItemOut:
    comment = item.comment
    return QueueItemOut(
        kind=item.kind,
        review=None,
        comment=CommentQueueOut(
            id=comment.pk,
            author=comment.author_name,
            guest=comment.is_guest,
            guest_email=comment.guest_email,
            page=comment.get_absolute_url(),
            parent_id=comment.parent_id,
            text=comment.body,
            text_html=comment.body_html,
            status=comment.status,
            reasons=list(comment.reasons),
            created_at=comment.created_at,
            edited_at=comment.edited_at,
        ),
        followup_id=None,
        followup_text_html=None,
        pending_edit=None,
        flags=[FlagOut(code=f.code, reason=f.reason) for f in item.flags],
        reports=[
            ReportSummaryOut(reason=r.reason, part="comment", details=r.details, created_at=r.created_at)
            for r in item.reports
        ],
        waiting_for_video=False,
        transcript="",
    )


@router.get("/moderation/queue", response=list[QueueItemOut], summary="Everything waiting for a moderator")
def queue(request: HttpRequest) -> list[QueueItemOut]:
    require_moderator(request)
    items = []
    for item in moderation_queue():
        transcript = getattr(item.review.video, "transcript", None) if item.review.video else None
        items.append(
            QueueItemOut(
                kind=item.kind,
                review=review_out(item.review, private=True),
                followup_id=item.followup.pk if item.followup else None,
                followup_text_html=item.followup.body_html if item.followup else None,
                pending_edit=item.review.pending_edit,
                flags=[FlagOut(code=f.code, reason=f.reason) for f in item.flags],
                reports=[
                    ReportSummaryOut(reason=r.reason, part=r.part, details=r.details, created_at=r.created_at)
                    for r in item.reports
                ],
                waiting_for_video=item.waiting_for_video,
                transcript=" ".join(str(s.get("text", "")) for s in transcript.segments) if transcript else "",
            )
        )
    return items + [_comment_item(item) for item in comment_moderation_queue()]


@router.get("/moderation/spam", response=list[QueueItemOut], summary="The comments' spam folder (kept 30 days)")
def spam(request: HttpRequest) -> list[QueueItemOut]:
    require_moderator(request)
    return [_comment_item(item) for item in comment_spam_folder()]


class DecisionIn(Schema):
    decision: Literal["approve", "reject"]
    reason: Annotated[PlainStr, StringConstraints(max_length=2000)] = ""


class DecisionOut(Schema):
    id: int
    decided: str
    decision: str
    status: str


@router.post(
    "/moderation/reviews/{review_id}/decision", response=DecisionOut, summary="Approve or reject (with a reason)"
)
def decide(request: HttpRequest, review_id: int, payload: DecisionIn) -> DecisionOut:
    user = require_moderator(request)
    review = Review.objects.select_related("procedure", "author", "video").filter(pk=review_id).first()
    if review is None:
        raise NotFoundError("No such review.")
    kind = review_decide(review=review, by=user, decision=Decision(payload.decision), reason=payload.reason)
    return DecisionOut(id=review.pk, decided=kind, decision=payload.decision, status=review.status)


class CommentDecisionIn(Schema):
    decision: Literal["approve", "spam", "delete"]
    reason: Annotated[PlainStr, StringConstraints(max_length=2000)] = ""


@router.post(
    "/moderation/comments/{comment_id}/decision",
    response=DecisionOut,
    summary="Approve a comment, mark it as spam, or delete it (with a reason for the log)",
)
def decide_comment(request: HttpRequest, comment_id: int, payload: CommentDecisionIn) -> DecisionOut:
    user = require_moderator(request)
    comment = Comment.objects.filter(pk=comment_id).first()
    if comment is None:
        raise NotFoundError("No such comment.")
    kind = comment_decide(comment=comment, by=user, decision=Decision(payload.decision), reason=payload.reason)
    return DecisionOut(id=comment.pk, decided=kind, decision=payload.decision, status=comment.status)
