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
from cryoview.moderation.models import Report
from cryoview.moderation.permissions import can_moderate
from cryoview.moderation.selectors import (
    CommentQueueItem,
    ReportStats,
    ReportStatsRow,
    comment_moderation_queue,
    comment_spam_folder,
    moderation_queue,
    report_stats,
)
from cryoview.moderation.services import comment_decide, review_decide
from cryoview.reviews.models import Review

router = Router(tags=["moderation"])


def require_moderator(request: HttpRequest) -> User:
    user = require_user(request)
    if not can_moderate(user):
        raise ApplicationError("Only moderators can use the moderation queue.", status=403, code="forbidden")
    return user


class FlagOut(Schema):
    code: str
    reason: str


class ReportSummaryOut(Schema):
    id: int
    reporter: str = Field(description="the member's public name, or visitor")
    trust: str = Field(description="trusted (counts towards hiding), visitor, unverified, new_account, repeat, author")
    reason: str
    part: str
    details: str
    created_at: dt.datetime


def report_summary(report: Report, *, part: str | None = None) -> ReportSummaryOut:
    if report.reporter is not None:
        reporter = report.reporter.public_name
    else:
        reporter = "former member" if report.reporter_key.startswith("user:") else "visitor"
    return ReportSummaryOut(
        id=report.pk,
        reporter=reporter,
        trust=report.trust,
        reason=report.reason,
        part=part or report.part,
        details=report.details,
        created_at=report.created_at,
    )


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
        reports=[report_summary(r, part="comment") for r in item.reports],
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
                reports=[report_summary(r) for r in item.reports],
                waiting_for_video=item.waiting_for_video,
                transcript=" ".join(str(s.get("text", "")) for s in transcript.segments) if transcript else "",
            )
        )
    return items + [_comment_item(item) for item in comment_moderation_queue()]


@router.get("/moderation/spam", response=list[QueueItemOut], summary="The comments' spam folder (kept 30 days)")
def spam(request: HttpRequest) -> list[QueueItemOut]:
    require_moderator(request)
    return [_comment_item(item) for item in comment_spam_folder()]


ReportIds = list[Annotated[int, Field(ge=1, le=2**62)]] | None


class DecisionIn(Schema):
    decision: Literal["approve", "reject", "dismiss"] = Field(
        description="a submission or edit: approve or reject; reports: approve keeps the review, reject takes it "
        "down, dismiss sets the reports aside (the review is shown again if it was hidden and too few remain)"
    )
    reason: Annotated[PlainStr, StringConstraints(max_length=2000)] = ""
    report_ids: ReportIds = Field(
        default=None, max_length=1000, description="dismiss: only these open reports (default: all of them)"
    )


class DecisionOut(Schema):
    id: int
    decided: str
    decision: str
    status: str


@router.post(
    "/moderation/reviews/{review_id}/decision",
    response=DecisionOut,
    summary="Approve or reject (with a reason); for reports: keep, take down or dismiss",
)
def decide(request: HttpRequest, review_id: int, payload: DecisionIn) -> DecisionOut:
    user = require_moderator(request)
    review = Review.objects.select_related("procedure", "author", "video").filter(pk=review_id).first()
    if review is None:
        raise NotFoundError("No such review.")
    kind = review_decide(
        review=review,
        by=user,
        decision=Decision(payload.decision),
        reason=payload.reason,
        report_ids=payload.report_ids,
    )
    return DecisionOut(id=review.pk, decided=kind, decision=payload.decision, status=review.status)


class CommentDecisionIn(Schema):
    decision: Literal["approve", "spam", "delete", "dismiss"] = Field(
        description="approve keeps the comment; spam or delete take it down; dismiss sets its reports aside"
    )
    reason: Annotated[PlainStr, StringConstraints(max_length=2000)] = ""
    report_ids: ReportIds = Field(
        default=None, max_length=1000, description="dismiss: only these open reports (default: all of them)"
    )


@router.post(
    "/moderation/comments/{comment_id}/decision",
    response=DecisionOut,
    summary="Approve (keep) a comment, mark it as spam, delete it, or dismiss its reports (with a reason for the log)",
)
def decide_comment(request: HttpRequest, comment_id: int, payload: CommentDecisionIn) -> DecisionOut:
    user = require_moderator(request)
    comment = Comment.objects.filter(pk=comment_id).first()
    if comment is None:
        raise NotFoundError("No such comment.")
    kind = comment_decide(
        comment=comment,
        by=user,
        decision=Decision(payload.decision),
        reason=payload.reason,
        report_ids=payload.report_ids,
    )
    return DecisionOut(id=comment.pk, decided=kind, decision=payload.decision, status=comment.status)


class ReportStatsRowOut(Schema):
    month: str | None = Field(description="YYYY-MM the reports arrived; null in the per-reason totals")
    reason: str
    received: int
    kept: int
    taken_down: int
    dismissed: int
    open: int


class ReportStatsOut(Schema):
    by_month: list[ReportStatsRowOut]
    by_reason: list[ReportStatsRowOut]
    total: ReportStatsRowOut


def _stats_row(row: ReportStatsRow) -> ReportStatsRowOut:
    return ReportStatsRowOut(
        month=row.month.strftime("%Y-%m") if row.month else None,
        reason=row.reason,
        received=row.received,
        kept=row.kept,
        taken_down=row.taken_down,
        dismissed=row.dismissed,
        open=row.open,
    )


@router.get("/moderation/stats", response=ReportStatsOut, summary="Reports received and their outcomes")
def stats(request: HttpRequest) -> ReportStatsOut:
    require_moderator(request)
    found: ReportStats = report_stats()
    return ReportStatsOut(
        by_month=[_stats_row(r) for r in found.by_month],
        by_reason=[_stats_row(r) for r in found.by_reason],
        total=_stats_row(found.total),
    )
