"""Reads of the moderation app: the queue with its flags, the audit log, open reports."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from cryoview.accounts.models import User
from cryoview.comments.models import Comment
from cryoview.comments.selectors import queue_comments, spam_folder
from cryoview.moderation.enums import TargetKind
from cryoview.moderation.flags import Flag, author_flags, text_flags
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


def _transcript_text(review: Review) -> str:
    video = review.video
    transcript = getattr(video, "transcript", None) if video is not None else None
    if transcript is None:
        return ""
    return " ".join(str(segment.get("text", "")) for segment in transcript.segments)


def review_text_flags(review: Review) -> list[Flag]:
    source = review.pending_edit or {}
    fields = {
        "title": source.get("title", review.title),
        "text": source.get("body", review.body),
        "clinic": source.get("clinic_name", review.clinic_name),
        "city": source.get("city", review.city),
        "side effects": source.get("side_effect_other", review.side_effect_other),
    }
    flags = [flag for where, text in fields.items() for flag in text_flags(text or "", where=where)]
    return flags + text_flags(_transcript_text(review), where="video transcript")


def _submissions_last_day(authors: set[int]) -> dict[int, int]:
    since = timezone.now() - timedelta(days=1)
    counts: dict[int, int] = defaultdict(int)
    reviews = (
        Review.objects.filter(author_id__in=authors)
        .filter(Q(submitted_at__gte=since) | Q(pending_edit_at__gte=since))
        .values_list("author_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    followups = (
        FollowUp.objects.filter(review__author_id__in=authors, created_at__gte=since)
        .values_list("review__author_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for author_id, n in [*reviews, *followups]:
        counts[author_id] += n
    return counts


def _author_flags(user: User, submissions: dict[int, int]) -> list[Flag]:
    age = (timezone.now() - user.date_joined).total_seconds() / 86400
    return author_flags(account_age_days=age, submissions_last_day=submissions.get(user.pk, 0))


def moderation_queue(*, limit: int = 50) -> list[QueueItem]:
    """Everything waiting for a moderator, oldest first, with automatic flags and open reports.
    A fixed number of queries however long the queue is."""
    reviews = list(queue_reviews()[:limit])
    followups = list(queue_followups()[:limit])
    open_reports: dict[int, list[Report]] = defaultdict(list)
    for report in Report.objects.filter(review__in=[r.pk for r in reviews], resolved_at__isnull=True):
        assert report.review_id is not None
        open_reports[report.review_id].append(report)
    submissions = _submissions_last_day({r.author_id for r in reviews} | {f.review.author_id for f in followups})
    items: list[QueueItem] = []
    for review in reviews:
        if review.status == "pending":
            kind = TargetKind.REVIEW
        elif review.pending_edit:
            kind = TargetKind.EDIT
        else:
            kind = TargetKind.REPORTS
        flags = review_text_flags(review) + _author_flags(review.author, submissions)
        items.append(QueueItem(kind, review, None, flags, open_reports.get(review.pk, [])))
    for followup in followups:
        flags = text_flags(followup.body, where="follow-up") + _author_flags(followup.review.author, submissions)
        items.append(QueueItem(TargetKind.FOLLOWUP, followup.review, followup, flags))
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
        CommentQueueItem(comment, text_flags(comment.body, where="comment"), open_reports.get(comment.pk, []))
        for comment in comments
    ]


def comment_moderation_queue(*, limit: int = 50) -> list[CommentQueueItem]:
    """Held comments (new, edited, reported), oldest first, with text flags and open reports. Two queries."""
    return _with_reports(list(queue_comments()[:limit]))


def comment_spam_folder(*, limit: int = 100) -> list[CommentQueueItem]:
    return _with_reports(list(spam_folder()[:limit]))


def decision_log() -> QuerySet[ModerationDecision]:
    return ModerationDecision.objects.order_by("-created_at", "-id")
