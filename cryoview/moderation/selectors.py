"""Reads of the moderation app: the queue with its flags, the audit log, open reports."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet

from cryoview.comments.models import Comment
from cryoview.comments.selectors import queue_comments, spam_folder
from cryoview.core.flags import Flag, flags_from_json
from cryoview.moderation.enums import TargetKind
from cryoview.moderation.models import ModerationDecision, Report
from cryoview.reviews.models import FollowUp, Review
from cryoview.reviews.selectors import queue_followups, queue_reviews


@dataclass
class QueueItem:
    kind: TargetKind
    review: Review
    followup: FollowUp | None = None
    flags: list[Flag] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.followup.pk if self.followup else self.review.pk}"

    @property
    def waiting_for_video(self) -> bool:
        return self.review.video is not None and self.review.video.status != "ready"


def review_flags(review: Review) -> list[Flag]:
    """The flags stored when the review (or its edit) was written, and those of its video's transcript.
    Reads only rows already loaded with the review (queue_reviews selects the transcript)."""
    video = review.video
    transcript = getattr(video, "transcript", None) if video is not None else None
    return flags_from_json(review.flags) + (flags_from_json(transcript.flags) if transcript is not None else [])


def moderation_queue(*, limit: int = 50) -> list[QueueItem]:
    """Everything waiting for a moderator, oldest first, with the stored automatic flags and open reports.
    A fixed number of queries however long the queue is; no text is scanned here."""
    reviews = list(queue_reviews()[:limit])
    followups = list(queue_followups()[:limit])
    open_reports: dict[int, list[Report]] = defaultdict(list)
    for report in Report.objects.filter(review__in=[r.pk for r in reviews], resolved_at__isnull=True):
        assert report.review_id is not None
        open_reports[report.review_id].append(report)
    items: list[QueueItem] = []
    for review in reviews:
        if review.status == "pending":
            kind = TargetKind.REVIEW
        elif review.pending_edit:
            kind = TargetKind.EDIT
        else:
            kind = TargetKind.REPORTS
        items.append(QueueItem(kind, review, None, review_flags(review), open_reports.get(review.pk, [])))
    for followup in followups:
        items.append(QueueItem(TargetKind.FOLLOWUP, followup.review, followup, flags_from_json(followup.flags)))
    return items


@dataclass
class CommentQueueItem:
    comment: Comment
    flags: list[Flag] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)

    @property
    def kind(self) -> TargetKind:
        return TargetKind.COMMENT_REPORTS if self.reports else TargetKind.COMMENT

    @property
    def key(self) -> str:
        return f"comment-{self.comment.pk}"


def _with_reports(comments: list[Comment]) -> list[CommentQueueItem]:
    open_reports: dict[int, list[Report]] = defaultdict(list)
    for report in Report.objects.filter(comment__in=[c.pk for c in comments], resolved_at__isnull=True):
        assert report.comment_id is not None
        open_reports[report.comment_id].append(report)
    return [
        CommentQueueItem(comment, flags_from_json(comment.flags), open_reports.get(comment.pk, []))
        for comment in comments
    ]


def comment_moderation_queue(*, limit: int = 50) -> list[CommentQueueItem]:
    """Held comments (new, edited, reported), oldest first, with text flags and open reports. Two queries."""
    return _with_reports(list(queue_comments()[:limit]))


def comment_spam_folder(*, limit: int = 100) -> list[CommentQueueItem]:
    return _with_reports(list(spam_folder()[:limit]))


def decision_log() -> QuerySet[ModerationDecision]:
    return ModerationDecision.objects.order_by("-created_at", "-id")
