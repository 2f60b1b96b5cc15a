"""Reads of the moderation app: the queue with its flags, the audit log, open reports."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cryoview.accounts.models import User
from cryoview.accounts.permissions import is_same_person
from cryoview.comments.models import Comment
from cryoview.comments.selectors import queue_comments, spam_folder
from cryoview.core.flags import Flag, flags_from_json
from cryoview.moderation.enums import ReporterTrust, ReportOutcome, ReportReason, TargetKind
from cryoview.moderation.models import ModerationDecision, Report
from cryoview.reviews.models import FollowUp, Review
from cryoview.reviews.selectors import queue_followups, queue_reviews

ReportTarget = dict[str, Review | Comment]  # {"review": review} or {"comment": comment}


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
        return self.review.video is not None and not self.review.video.is_ready


def review_flags(review: Review) -> list[Flag]:
    """The flags stored when the review (or its edit) was written, and those of its video's transcript.
    Reads only rows already loaded with the review (queue_reviews selects the transcript)."""
    video = review.video
    transcript = getattr(video, "transcript", None) if video is not None else None
    return flags_from_json(review.flags) + (flags_from_json(transcript.flags) if transcript is not None else [])


def _open_reports() -> QuerySet[Report]:
    return Report.objects.filter(resolved_at__isnull=True).select_related("reporter")


def _reported_ids(what: str) -> QuerySet[Any]:
    """Ids of the reviews or comments with an open report: every report reaches the queue at once."""
    open_reports = Report.objects.filter(resolved_at__isnull=True)
    if what == "review":
        return open_reports.filter(review__isnull=False).values("review_id")
    return open_reports.filter(comment__isnull=False).values("comment_id")


def reporter_trust(*, reporter: User | None, about: ReportTarget) -> ReporterTrust:
    """Whether a new report may count towards hiding `about`: only an established member's first report on it.

    A visitor can use many addresses and anyone can open several new accounts, so neither may hide anything by
    themselves: they are queued for a moderator like every report. A verified address and an account older than
    CRYOVIEW_REPORTS_TRUSTED_ACCOUNT_DAYS make each account cost real time; a member whose earlier report on the
    item was decided cannot hide it again."""
    if reporter is None:
        return ReporterTrust.VISITOR
    item = next(iter(about.values()))
    if is_same_person(reporter, item.author_id):
        return ReporterTrust.AUTHOR
    if not EmailAddress.objects.filter(user=reporter, verified=True).exists():
        return ReporterTrust.UNVERIFIED
    if reporter.date_joined > timezone.now() - timedelta(days=settings.CONFIG.reports_trusted_account_days):
        return ReporterTrust.NEW_ACCOUNT
    if Report.objects.filter(**about, reporter=reporter, resolved_at__isnull=False).exists():
        return ReporterTrust.REPEAT
    return ReporterTrust.TRUSTED


def trusted_reporters(*, about: ReportTarget) -> int:
    """Distinct established members with an open report on `about`: what the hiding threshold counts."""
    reports = Report.objects.filter(**about, resolved_at__isnull=True, trust=ReporterTrust.TRUSTED)
    return int(reports.aggregate(n=Count("reporter", distinct=True))["n"])


@dataclass(frozen=True)
class HidingReason:
    reason: str
    count: int


def review_hiding_reasons(*, review: Review) -> list[HidingReason]:
    """Why a review is hidden, for its author: the reasons of the open reports that count, most frequent first."""
    if review.hidden_at is None:
        return []
    rows = (
        Report.objects.filter(review=review, resolved_at__isnull=True, trust=ReporterTrust.TRUSTED)
        .values("reason")
        .annotate(n=Count("id"))
        .order_by("-n", "reason")
    )
    return [HidingReason(ReportReason(row["reason"]).label, row["n"]) for row in rows]


@dataclass
class ReportStatsRow:
    month: date | None
    reason: str
    received: int = 0
    kept: int = 0
    taken_down: int = 0
    dismissed: int = 0

    @property
    def open(self) -> int:
        return self.received - self.kept - self.taken_down - self.dismissed

    def add(self, other: ReportStatsRow) -> None:
        self.received += other.received
        self.kept += other.kept
        self.taken_down += other.taken_down
        self.dismissed += other.dismissed


@dataclass
class ReportStats:
    by_month: list[ReportStatsRow]  # one row per month and reason, newest month first
    by_reason: list[ReportStatsRow]
    total: ReportStatsRow


def report_stats() -> ReportStats:
    """Reports received and what became of them, per month (of receipt) and reason: one grouped query."""
    rows = (
        Report.objects.annotate(month=TruncMonth("created_at"))
        .values("month", "reason")
        .annotate(
            received=Count("id"),
            kept=Count("id", filter=Q(resolution=ReportOutcome.KEPT)),
            taken_down=Count("id", filter=Q(resolution=ReportOutcome.TAKEN_DOWN)),
            dismissed=Count("id", filter=Q(resolution=ReportOutcome.DISMISSED)),
        )
        .order_by("-month", "reason")
    )
    by_month = [
        ReportStatsRow(
            month=row["month"].date() if isinstance(row["month"], datetime) else row["month"],
            reason=ReportReason(row["reason"]).label if row["reason"] in ReportReason.values else row["reason"],
            received=row["received"],
            kept=row["kept"],
            taken_down=row["taken_down"],
            dismissed=row["dismissed"],
        )
        for row in rows
    ]
    by_reason = {label: ReportStatsRow(None, label) for label in ReportReason.labels}
    total = ReportStatsRow(None, "All reasons")
    for row in by_month:
        by_reason.setdefault(row.reason, ReportStatsRow(None, row.reason)).add(row)
        total.add(row)
    return ReportStats(by_month, list(by_reason.values()), total)


def moderation_queue(*, limit: int = 50) -> list[QueueItem]:
    """Everything waiting for a moderator, oldest first, with the stored automatic flags and open reports.
    A fixed number of queries however long the queue is; no text is scanned here."""
    reviews = list(queue_reviews(reported=_reported_ids("review"))[:limit])
    followups = list(queue_followups()[:limit])
    open_reports: dict[int, list[Report]] = defaultdict(list)
    for report in _open_reports().filter(review__in=[r.pk for r in reviews]):
        assert report.review_id is not None
        open_reports[report.review_id].append(report)
    items: list[QueueItem] = []
    for review in reviews:
        if review.is_pending:
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
    for report in _open_reports().filter(comment__in=[c.pk for c in comments]):
        assert report.comment_id is not None
        open_reports[report.comment_id].append(report)
    return [
        CommentQueueItem(comment, flags_from_json(comment.flags), open_reports.get(comment.pk, []))
        for comment in comments
    ]


def comment_moderation_queue(*, limit: int = 50) -> list[CommentQueueItem]:
    """Held comments (new, edited, reported), oldest first, with text flags and open reports. Two queries."""
    return _with_reports(list(queue_comments(reported=_reported_ids("comment"))[:limit]))


def comment_spam_folder(*, limit: int = 100) -> list[CommentQueueItem]:
    return _with_reports(list(spam_folder()[:limit]))


def decision_log() -> QuerySet[ModerationDecision]:
    return ModerationDecision.objects.prefetch_related("reports").order_by("-created_at", "-id")
