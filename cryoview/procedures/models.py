from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from cryoview.procedures.enums import (
    ClaimSection,
    Practitioner,
    ProcedureKind,
    RevisionOrigin,
    SourceKind,
)

AREA_LABELS = {"eye-area": "Around the eyes", "lips": "Lips", "face": "Face", "body": "Body"}


class Source(models.Model):
    """Where a claim comes from: the seed article, a patient leaflet, a dermatology reference."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=200, blank=True)
    author = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True)
    kind = models.CharField(max_length=16, choices=SourceKind.choices)
    published = models.CharField(max_length=40, blank=True, help_text="as the source states it, e.g. 'updated 2022'")
    accessed_on = models.DateField(null=True, blank=True)
    reliability = models.TextField(blank=True, help_text="how much weight this source can carry, and why")
    described_as = models.CharField(max_length=200, blank=True, help_text="what it is, shown wherever it is cited")
    covers = models.JSONField(
        default=list, blank=True, help_text="slugs of the guides it is about; empty: every guide that cites it"
    )
    elsewhere_as = models.CharField(
        max_length=300, blank=True, help_text="how a guide it is not about cites it (instead of its title)"
    )

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def label_for(self, procedure_slug: str) -> str:
        """How a guide cites this source: its title and what it is, or, in a guide it is not about, only
        what it is (its title would suggest it covers that procedure)."""
        if self.covers and procedure_slug not in self.covers and self.elsewhere_as:
            return self.elsewhere_as
        return f"{self.title} ({self.described_as})" if self.described_as else self.title


class Condition(models.Model):
    """A health condition or skin type the guides refer to (contraindications, indications, cautions)."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    plain_name = models.CharField(max_length=200, help_text="the same in everyday words")
    description = models.TextField(blank=True)
    synonyms = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Procedure(models.Model):
    """A guide: one procedure as structured, sourced knowledge."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=ProcedureKind.choices)
    summary = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)
    duration_min_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_max_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    course_sessions_min = models.PositiveSmallIntegerField(null=True, blank=True)
    course_sessions_max = models.PositiveSmallIntegerField(null=True, blank=True)
    course_note = models.CharField(max_length=300, blank=True)
    practitioner = models.CharField(max_length=16, choices=Practitioner.choices)
    home_use_allowed = models.BooleanField(default=False)
    avoid_seasons = models.JSONField(default=list, blank=True)
    areas = models.JSONField(default=list, blank=True, help_text="body areas it is applied to, e.g. face, eye-area")
    disclaimer = models.TextField()
    reviewed_by = models.CharField(max_length=200)
    reviewed_on = models.DateField()
    is_published = models.BooleanField(default=True)
    imported_hash = models.CharField(max_length=64, blank=True, editable=False)
    source_file = models.CharField(max_length=300, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("procedures:detail", kwargs={"slug": self.slug})


class Claim(models.Model):
    """One statement of a guide, with its sources and an evidence note."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="claims")
    section = models.CharField(max_length=20, choices=ClaimSection.choices)
    code = models.SlugField(max_length=80)
    text = models.TextField()
    evidence = models.TextField(help_text="how well supported this is, in plain words")
    condition = models.ForeignKey(Condition, null=True, blank=True, on_delete=models.PROTECT, related_name="claims")
    area = models.SlugField(max_length=40, blank=True, help_text="body area the claim applies to (safety steps)")
    goal = models.SlugField(max_length=80, blank=True, help_text="a goal this limit is about, e.g. deep-wrinkles")
    trigger = models.CharField(max_length=40, blank=True, help_text="when a referral applies")
    specialist = models.SlugField(max_length=40, blank=True, help_text="who a referral sends you to")
    recheck = models.CharField(
        max_length=300, blank=True, help_text="a passing condition: when to check again, e.g. 'when it has healed'"
    )
    position = models.PositiveSmallIntegerField(default=0)
    sources = models.ManyToManyField(Source, through="ClaimSource", related_name="claims")

    class Meta:
        ordering = ["procedure", "position"]
        constraints = [models.UniqueConstraint(fields=["procedure", "code"], name="claim_code_unique")]

    def __str__(self) -> str:
        return f"{self.procedure.slug}:{self.code}"

    @property
    def area_label(self) -> str:
        return AREA_LABELS.get(self.area, self.area.replace("-", " ").capitalize())


class ClaimSource(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    quote = models.TextField(blank=True, help_text="the source's own words, where they are short enough to quote")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["claim", "position"]
        constraints = [models.UniqueConstraint(fields=["claim", "source"], name="claim_source_unique")]

    def __str__(self) -> str:
        return f"{self.claim} ← {self.source.slug}"


class Conflict(models.Model):
    """Sources (or one source with itself) disagree: shown plainly, never silently resolved."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="conflicts")
    code = models.SlugField(max_length=80)
    condition = models.ForeignKey(Condition, null=True, blank=True, on_delete=models.PROTECT, related_name="conflicts")
    title = models.CharField(max_length=200)
    summary = models.TextField()
    advice = models.TextField()
    claims = models.ManyToManyField(Claim, related_name="conflicts")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["procedure", "position"]
        constraints = [models.UniqueConstraint(fields=["procedure", "code"], name="conflict_code_unique")]

    def __str__(self) -> str:
        return self.title


class ProcedureRevision(models.Model):
    """A snapshot of a guide after each import or admin edit: the guide's history."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    origin = models.CharField(max_length=8, choices=RevisionOrigin.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    content_hash = models.CharField(max_length=64)
    snapshot = models.JSONField()

    class Meta:
        ordering = ["procedure", "-number"]
        constraints = [models.UniqueConstraint(fields=["procedure", "number"], name="revision_number_unique")]

    def __str__(self) -> str:
        return f"{self.procedure.slug} r{self.number}"
