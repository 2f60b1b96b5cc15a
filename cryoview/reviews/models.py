from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q
from django.urls import reverse

from cryoview.procedures.models import Procedure
from cryoview.reviews.enums import FollowUpStatus, ReviewState, ReviewStatus, WorthIt
from cryoview.videos.models import Video

# The fields a member writes; an edit of a published review stores these in `pending_edit` until approved.
EDITABLE_FIELDS = (
    "rating",
    "worth_it",
    "sessions",
    "cost_amount",
    "cost_currency",
    "treated_month",
    "city",
    "clinic_name",
    "side_effects",
    "side_effect_other",
    "pain",
    "downtime_days",
    "title",
    "body",
    "video_id",
)


class Negated(Func):
    """-x. The list's keyset compares one row of columns in one direction, so "lowest rating first, newest
    first among equals" orders by -rating descending; an index on the same expression serves it."""

    template = "(-%(expressions)s)"
    arity = 1
    output_field = models.IntegerField()


class Review(models.Model):
    """One member's account of one procedure: structured facts, their words, optionally a video."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="reviews")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews")
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    worth_it = models.CharField(max_length=12, choices=WorthIt.choices)
    sessions = models.PositiveSmallIntegerField(null=True, blank=True)
    cost_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    cost_currency = models.CharField(max_length=3, blank=True)
    treated_month = models.DateField(null=True, blank=True, help_text="the first day of the month of treatment")
    city = models.CharField(max_length=80, blank=True)
    clinic_name = models.CharField(max_length=120, blank=True)
    side_effects = models.JSONField(default=list, blank=True, help_text="slugs from the guide's list, none, other")
    side_effect_other = models.CharField(max_length=200, blank=True)
    pain = models.PositiveSmallIntegerField(null=True, blank=True)
    downtime_days = models.PositiveSmallIntegerField(null=True, blank=True)
    title = models.CharField(max_length=120)
    body = models.TextField(help_text="Markdown subset, as written")
    body_html = models.TextField(help_text="rendered and sanitised")
    video = models.ForeignKey(Video, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews")
    has_video = models.BooleanField(default=False, help_text="published with a ready video (list order)")
    consent_text = models.TextField(blank=True)
    consented_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    pending_edit = models.JSONField(null=True, blank=True, help_text="an edit awaiting moderation")
    pending_edit_at = models.DateTimeField(null=True, blank=True)
    edit_rejection_reason = models.TextField(blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True, help_text="hidden after reports, until a decision")
    flags = models.JSONField(
        default=list, blank=True, help_text="automatic flags of what awaits a moderator, computed when written"
    )
    followup_count = models.PositiveSmallIntegerField(default=0, help_text="published follow-ups")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "author"],
                condition=~Q(status=ReviewStatus.WITHDRAWN),
                name="review_one_per_procedure",
            ),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_5"),
        ]
        indexes = [
            models.Index(fields=["procedure", "status", "has_video", "published_at", "id"], name="review_list_new"),
            models.Index(
                fields=["procedure", "status", "has_video", "rating", "published_at", "id"], name="review_list_rating"
            ),
            models.Index(
                F("procedure"),
                F("status"),
                F("has_video"),
                Negated(F("rating")),
                F("published_at"),
                F("id"),
                name="review_list_lowest",
            ),
            models.Index(fields=["status", "submitted_at"], name="review_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("reviews:detail", kwargs={"review_id": self.pk})

    @property
    def state(self) -> ReviewState:
        """Where the review is in its life (the table of transitions is keyed on it). A hidden review is HIDDEN
        even when an edit also waits: what everyone sees (nothing) comes first."""
        if self.status != ReviewStatus.PUBLISHED:
            return ReviewState(self.status)
        if self.hidden_at is not None:
            return ReviewState.HIDDEN
        if self.pending_edit is not None:
            return ReviewState.PENDING_EDIT
        return ReviewState.PUBLISHED

    # Pages ask the review, never compare status strings.
    @property
    def is_draft(self) -> bool:
        return self.status == ReviewStatus.DRAFT

    @property
    def is_pending(self) -> bool:
        """Sent and awaiting its first moderation (an edit of a published review is has_pending_edit)."""
        return self.status == ReviewStatus.PENDING

    @property
    def is_published(self) -> bool:
        """Published by a moderator, whether or not it is hidden after reports or has an edit waiting."""
        return self.status == ReviewStatus.PUBLISHED

    @property
    def is_rejected(self) -> bool:
        return self.status == ReviewStatus.REJECTED

    @property
    def is_withdrawn(self) -> bool:
        return self.status == ReviewStatus.WITHDRAWN

    @property
    def is_hidden(self) -> bool:
        """Published, but hidden after reports until a moderator decides."""
        return self.status == ReviewStatus.PUBLISHED and self.hidden_at is not None

    @property
    def has_pending_edit(self) -> bool:
        """Published, with an edit that waits for a moderator (the published version stays meanwhile)."""
        return self.status == ReviewStatus.PUBLISHED and self.pending_edit is not None

    @property
    def is_visible(self) -> bool:
        """Shown to everyone: published and not hidden after reports."""
        return self.status == ReviewStatus.PUBLISHED and self.hidden_at is None


class FollowUp(models.Model):
    """A dated update months later ("it came back after three months"), optionally changing the rating."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="followups")
    status = models.CharField(max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.PENDING)
    body = models.TextField()
    body_html = models.TextField()
    new_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    flags = models.JSONField(default=list, blank=True, help_text="automatic flags, computed when written")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["review", "created_at", "id"]
        indexes = [models.Index(fields=["status", "created_at"], name="followup_queue")]

    def __str__(self) -> str:
        return f"follow-up to {self.review_id} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == FollowUpStatus.PENDING

    @property
    def is_published(self) -> bool:
        return self.status == FollowUpStatus.PUBLISHED


class ReviewStats(models.Model):
    """The published reviews of a procedure, counted once per change (the guide page reads one row)."""

    procedure = models.OneToOneField(Procedure, on_delete=models.CASCADE, related_name="review_stats")
    data = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)
    stale_since = models.DateTimeField(
        null=True, blank=True, help_text="a review entered or left the count; a queued task recounts (then empty)"
    )

    def __str__(self) -> str:
        return f"stats of {self.procedure_id}"
