"""Reads for a review's attribution: what the pages show of a page of reviews (in a fixed number of queries), the
clinics and practitioners a member can choose from, and the API's filters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q

from cryoview.clinics.enums import ClinicStatus, ReviewLabel
from cryoview.clinics.models import Clinic, Practitioner, ReviewAttribution
from cryoview.clinics.rules import profession_fits
from cryoview.procedures.enums import ClaimSection
from cryoview.procedures.models import Claim, Procedure
from cryoview.reviews.models import Review

LABEL_NONE = "none"  # the API's and the filter's name for "no label" (stored as "")


@dataclass(frozen=True)
class GuideRequirement:
    """What a guide says about who may perform its procedure, with the source it rests on."""

    procedure_slug: str
    required: str  # procedures.enums.Practitioner value
    required_label: str
    claim_code: str
    claim_text: str
    source_title: str
    source_url: str


@dataclass(frozen=True)
class AttributionDisplay:
    """One review's attribution as the pages show it."""

    clinic: Clinic | None
    practitioner: Practitioner | None
    label: str
    unmet: GuideRequirement | None  # the practitioner's profession does not meet the guide's requirement

    @property
    def clinic_is_listed(self) -> bool:
        return self.clinic is not None and self.clinic.status == ClinicStatus.LISTED

    @property
    def clinic_is_suggested(self) -> bool:
        return self.clinic is not None and self.clinic.status == ClinicStatus.SUGGESTED

    @property
    def label_name(self) -> str:
        return ReviewLabel(self.label).label if self.label else ""

    @property
    def is_empty(self) -> bool:
        return self.clinic is None and self.practitioner is None and not self.label


def attributions_display(*, reviews: Sequence[Review]) -> dict[int, AttributionDisplay]:
    """{review id: display} for the reviews that have something to show. One query, and two more only when some
    practitioner does not meet a guide's requirement (for the guide's statement and its source)."""
    rows = list(
        ReviewAttribution.objects.filter(review_id__in=[review.pk for review in reviews])
        .select_related("clinic", "practitioner")
        .annotate(required=F("review__procedure__practitioner"), procedure_id=F("review__procedure_id"))
    )
    unmet_procedures = {row.procedure_id for row in rows if row.practitioner is not None and not _fits(row)}
    requirements = guide_requirements(procedure_ids=unmet_procedures) if unmet_procedures else {}
    shown: dict[int, AttributionDisplay] = {}
    for row in rows:
        unmet = None
        if row.practitioner is not None and not _fits(row):
            unmet = requirements.get(row.procedure_id)
        # A suggestion moderators declined is not shown publicly at all (it may be a made-up or abusive name).
        clinic = row.clinic if row.clinic is None or row.clinic.status != ClinicStatus.DECLINED else None
        display = AttributionDisplay(clinic, row.practitioner, row.label, unmet)
        if not display.is_empty:
            shown[row.review_id] = display
    return shown


def guide_requirements(*, procedure_ids: set[int]) -> dict[int, GuideRequirement]:
    """Each guide's first statement on who may perform it, with its first source (two queries)."""
    claims = (
        Claim.objects.filter(procedure_id__in=procedure_ids, section=ClaimSection.PRACTITIONER)
        .select_related("procedure")
        .prefetch_related("citations__source")
        .order_by("procedure_id", "position")
    )
    found: dict[int, GuideRequirement] = {}
    for claim in claims:
        if claim.procedure_id in found:
            continue
        citation = next(iter(claim.citations.all()), None)
        procedure: Procedure = claim.procedure
        found[claim.procedure_id] = GuideRequirement(
            procedure_slug=procedure.slug,
            required=procedure.practitioner,
            required_label=procedure.get_practitioner_display(),
            claim_code=claim.code,
            claim_text=claim.text,
            source_title=citation.source.title if citation else "",
            source_url=citation.source.url if citation else "",
        )
    return found


def attribution_of(*, review: Review) -> ReviewAttribution | None:
    return ReviewAttribution.objects.filter(review=review).select_related("clinic", "practitioner").first()


def clinics_to_choose(*, procedure: Procedure) -> list[Clinic]:
    """The listed clinics, those that offer this procedure first (annotated `offers`). One query."""
    offers = Exists(Clinic.procedures.through.objects.filter(clinic_id=OuterRef("pk"), procedure_id=procedure.pk))
    return list(
        Clinic.objects.filter(status=ClinicStatus.LISTED).annotate(offers=offers).order_by("-offers", "name", "city")
    )


def practitioners_to_choose(*, clinic_ids: Sequence[int]) -> list[tuple[int, Practitioner]]:
    """(clinic id, practitioner) for every practitioner working at these clinics. One query."""
    links = (
        Practitioner.clinics.through.objects.filter(clinic_id__in=clinic_ids)
        .select_related("practitioner")
        .order_by("clinic_id", "practitioner__name", "practitioner_id")
    )
    return [(link.clinic_id, link.practitioner) for link in links]


def listed_clinic_by_slug(*, slug: str) -> Clinic | None:
    return Clinic.objects.filter(slug=slug, status=ClinicStatus.LISTED).first()


def practitioner_at(*, practitioner_id: int, clinic: Clinic) -> Practitioner | None:
    """The practitioner, if they work at this clinic."""
    return Practitioner.objects.filter(pk=practitioner_id, clinics=clinic).first()


def attribution_filter(*, clinic: str | None = None, practitioner: int | None = None, label: str | None = None) -> Q:
    """A filter on reviews by their attribution: a listed clinic's slug, a practitioner's id, a label ("none": no
    label, including reviews with no attribution at all)."""
    where = Q()
    if clinic is not None:
        where &= Q(attribution__clinic__slug=clinic, attribution__clinic__status=ClinicStatus.LISTED)
    if practitioner is not None:
        where &= Q(attribution__practitioner_id=practitioner)
    if label == LABEL_NONE:
        where &= Q(attribution__isnull=True) | Q(attribution__label=ReviewLabel.NONE)
    elif label is not None:
        where &= Q(attribution__label=label)
    return where


def _fits(row: ReviewAttribution) -> bool:
    """`row` carries the guide's requirement as the annotation `required`."""
    assert row.practitioner is not None
    return profession_fits(required=row.required, profession=row.practitioner.profession).matches  # type: ignore[attr-defined]
