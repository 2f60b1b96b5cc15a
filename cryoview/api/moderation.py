"""The moderation queue over the API (moderators only): the same selectors and services as the queue page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import StringConstraints

from cryoview.accounts.models import User
from cryoview.api.reviews import ReviewOut, review_out
from cryoview.api.videos import require_user
from cryoview.core.errors import ApplicationError, NotFoundError
from cryoview.core.validation import PlainStr
from cryoview.moderation.enums import Decision
from cryoview.moderation.selectors import moderation_queue
from cryoview.moderation.services import review_decide
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


class QueueItemOut(Schema):
    kind: str
    review: ReviewOut
    followup_id: int | None
    followup_text_html: str | None
    pending_edit: dict[str, object] | None
    flags: list[FlagOut]
    reports: list[ReportSummaryOut]
    waiting_for_video: bool
    transcript: str


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
    return items


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
