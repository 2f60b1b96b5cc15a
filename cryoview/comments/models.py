from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from cryoview.comments.enums import CommentStatus
from cryoview.procedures.models import Procedure
from cryoview.reviews.models import Review


class Comment(models.Model):
    """One message in the thread under a guide or a published review ("Leave a Reply")."""

    procedure = models.ForeignKey(Procedure, null=True, blank=True, on_delete=models.CASCADE, related_name="comments")
    review = models.ForeignKey(Review, null=True, blank=True, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    root = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="+", help_text="top of its thread"
    )
    in_reply_to = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="the comment answered, when the reply had to attach higher up (depth limit)",
    )
    depth = models.PositiveSmallIntegerField(default=1, help_text="1 for a comment, 2 for a reply to it, …")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    guest_name = models.CharField(max_length=80, blank=True)
    guest_email = models.EmailField(blank=True, help_text="never shown")
    body = models.TextField(blank=True, help_text="Markdown subset, as written")
    body_html = models.TextField(blank=True, help_text="rendered and sanitised")
    fingerprint = models.CharField(max_length=64, db_index=True, help_text="the text, normalised and hashed")
    status = models.CharField(max_length=10, choices=CommentStatus.choices, default=CommentStatus.HELD)
    reasons = models.JSONField(default=list, blank=True, help_text="why it was held or taken for spam")
    flags = models.JSONField(default=list, blank=True, help_text="automatic flags, computed when written")
    ip_hash = models.CharField(max_length=32, blank=True, help_text="salted; blanked after the retention period")
    notify_replies = models.BooleanField(default=False, help_text="e-mail the author about replies")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(procedure__isnull=False, review__isnull=True)
                | Q(procedure__isnull=True, review__isnull=False),
                name="comment_on_guide_or_review",
            ),
            models.CheckConstraint(
                condition=Q(author__isnull=False) | ~Q(guest_name=""), name="comment_has_an_author_name"
            ),
        ]
        indexes = [
            models.Index(fields=["procedure", "status", "root", "id"], name="comment_guide_thread"),
            models.Index(fields=["review", "status", "root", "id"], name="comment_review_thread"),
            models.Index(fields=["status", "created_at"], name="comment_queue"),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} by {self.author_name} ({self.status})"

    def get_absolute_url(self) -> str:
        target = self.review if self.review_id is not None else self.procedure
        assert target is not None
        return f"{target.get_absolute_url()}#comment-{self.pk}"

    @property
    def author_name(self) -> str:
        if self.author_id is not None and self.author is not None:
            return self.author.public_name
        return self.guest_name or "former member"

    @property
    def is_guest(self) -> bool:
        return self.author_id is None

    @property
    def thread_title(self) -> str:
        if self.review is not None:
            return f"review “{self.review.title}”"
        assert self.procedure is not None
        return f"guide “{self.procedure.name}”"


class CommentRules(models.Model):
    """The moderators' word lists and link limit: one row, edited on /moderation/comment-rules/."""

    hold_words = models.TextField(blank=True, help_text="one word or phrase per line: comments with it are held")
    block_words = models.TextField(blank=True, help_text="one word or phrase per line: comments with it are spam")
    max_links = models.PositiveSmallIntegerField(default=2, help_text="more links than this: held")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=120, blank=True)

    class Meta:
        verbose_name = "comment rules"
        verbose_name_plural = "comment rules"

    def __str__(self) -> str:
        return "comment rules"
