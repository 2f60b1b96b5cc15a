from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from cryoview.comments.models import Comment
from cryoview.moderation.enums import Decision, ReporterTrust, ReportOutcome, ReportPart, ReportReason, TargetKind
from cryoview.reviews.models import Review


class ModerationDecision(models.Model):
    """The audit log: who decided what, when and why. Rows outlive what they are about."""

    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    moderator_name = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    target_kind = models.CharField(max_length=16, choices=TargetKind.choices)
    target_id = models.CharField(max_length=40)
    target_title = models.CharField(max_length=200)
    decision = models.CharField(max_length=8, choices=Decision.choices)
    reason = models.TextField(blank=True)
    flags = models.JSONField(default=list, blank=True, help_text="the automatic flags shown at the time")
    flags_shown = models.JSONField(
        null=True,
        blank=True,
        help_text="a snapshot of every flag the queue showed when deciding ({code, reason} each); "
        "null for decisions logged before snapshots were kept",
    )
    reports: models.ManyToManyField[Report, Any] = models.ManyToManyField(
        "Report", blank=True, related_name="decisions", help_text="the reports this decision resolved"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.decision} {self.target_kind} {self.target_id} by {self.moderator_name}"

    @property
    def has_snapshot(self) -> bool:
        return self.flags_shown is not None


class Report(models.Model):
    """Someone says a published review, its video, or a comment should not be there."""

    review = models.ForeignKey(Review, null=True, blank=True, on_delete=models.CASCADE, related_name="reports")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="reports")
    part = models.CharField(max_length=8, choices=ReportPart.choices, default=ReportPart.REVIEW)
    reason = models.CharField(max_length=24, choices=ReportReason.choices)
    details = models.TextField(blank=True)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    reporter_key = models.CharField(max_length=80, help_text="user:<id> or ip:<salted hash>: one report per person")
    trust = models.CharField(
        max_length=12,
        choices=ReporterTrust.choices,
        default=ReporterTrust.VISITOR,
        help_text="only trusted reports count towards hiding an item before a moderator decides",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=12, choices=ReportOutcome.choices, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "reporter_key"],
                condition=models.Q(resolved_at__isnull=True),
                name="report_once_per_person",
            ),
            models.UniqueConstraint(
                fields=["comment", "reporter_key"],
                condition=models.Q(resolved_at__isnull=True),
                name="comment_report_once_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(review__isnull=False, comment__isnull=True)
                | models.Q(review__isnull=True, comment__isnull=False),
                name="report_on_review_or_comment",
            ),
        ]

    def __str__(self) -> str:
        what = f"review {self.review_id}" if self.review_id else f"comment {self.comment_id}"
        return f"report on {what}: {self.reason}"
