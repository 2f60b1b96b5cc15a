"""Reads of the directory: the list of listed clinics, a clinic's page, a practitioner's page, suggestions.

Pages and the API call the same functions. Only listed clinics are public: a suggested or declined clinic is
as unknown to a visitor as a slug nobody used (None, which the edge answers with 404).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Window
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan

from cryoview.clinics.enums import ClinicStatus, ReplyStatus
from cryoview.clinics.models import (
    Clinic,
    Practitioner,
    Reply,
)
from cryoview.clinics.rules import profession_fits
from cryoview.clinics.selectors.invitations import invitation_counts
from cryoview.clinics.selectors.labels import label_rows
from cryoview.clinics.selectors.reports import ClinicReportCounts, clinic_report_counts
from cryoview.core.errors import ApplicationError
from cryoview.core.parsing import BIGINT_MAX, check_text, invalid
from cryoview.procedures.enums import ClaimSection
from cryoview.procedures.models import Claim, ClaimSource, Procedure
from cryoview.procedures.selectors import SLUG
from cryoview.reviews.enums import ReviewStatus
from cryoview.reviews.models import Review
from cryoview.reviews.selectors import (
    ReviewPage,
    review_page_of,
    side_effect_labels,
    stats_compute_over,
)

CLINIC_PAGE_SIZE = 20
MAX_CLINIC_PAGE_SIZE = 50
CLINIC_REVIEWS = 10  # reviews on a clinic's or practitioner's page before "More reviews"
CITY_MAX = 80


# --- the list ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClinicFilters:
    city: str = ""
    procedure: Procedure | None = None


@dataclass
class ClinicPage:
    items: list[Clinic]
    next_cursor: str | None


def clinic_filters_parse(*, city: object = None, procedure: object = None) -> ClinicFilters:
    """The list's filters from a request: a city (any case) and a published guide's slug. Raises
    ApplicationError (422) naming `city` or `procedure`."""
    clean_city = ""
    if city not in (None, ""):
        clean_city = " ".join(check_text(city, field="city").split())
        if len(clean_city) > CITY_MAX:
            raise invalid("city", f"must be at most {CITY_MAX} characters")
    chosen = None
    if procedure not in (None, ""):
        if not isinstance(procedure, str) or not SLUG.fullmatch(procedure):
            raise invalid("procedure", "is not the slug of a published guide")
        chosen = Procedure.objects.filter(slug=procedure, is_published=True).first()
        if chosen is None:
            raise invalid("procedure", "is not the slug of a published guide")
    return ClinicFilters(city=clean_city, procedure=chosen)


def _visible_reviews() -> Q:
    return Q(attributions__review__status=ReviewStatus.PUBLISHED, attributions__review__hidden_at__isnull=True)


def _published_procedures() -> Prefetch[str]:
    return Prefetch("procedures", queryset=Procedure.objects.filter(is_published=True).order_by("position", "name"))


def _encode_cursor(clinic: Clinic) -> str:
    raw = json.dumps([clinic.name, clinic.pk], separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[str, int]:
    problem = invalid("cursor", "is not one this list gave out", code="invalid_cursor")
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise problem from None
    if not isinstance(values, list) or len(values) != 2:
        raise problem
    name, pk = values
    if not isinstance(name, str) or len(name) > 120 or isinstance(pk, bool) or not isinstance(pk, int):
        raise problem
    try:
        check_text(name, field="cursor")
    except ApplicationError:
        raise problem from None
    if not 0 <= pk <= BIGINT_MAX:
        raise problem
    return name, pk


def clinic_list_listed(
    *, filters: ClinicFilters, cursor: str | None = None, limit: int = CLINIC_PAGE_SIZE
) -> ClinicPage:
    """One page of listed clinics by name, each with its published guides and its count of published reviews,
    in a fixed number of queries whatever the number of clinics. Raises ApplicationError naming `cursor`."""
    limit = max(1, min(limit, MAX_CLINIC_PAGE_SIZE))
    queryset = Clinic.objects.filter(status=ClinicStatus.LISTED)
    if filters.city:
        queryset = queryset.filter(city__iexact=filters.city)
    if filters.procedure is not None:
        queryset = queryset.filter(pk__in=filters.procedure.clinics.values("pk"))
    if cursor:
        name, pk = _decode_cursor(cursor)
        queryset = queryset.filter(TupleGreaterThan(Tuple("name", "id"), (name, pk)))
    queryset = queryset.annotate(review_count=Count("attributions", filter=_visible_reviews(), distinct=True))
    rows: list[Clinic] = list(queryset.prefetch_related(_published_procedures()).order_by("name", "id")[: limit + 1])
    next_cursor = _encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return ClinicPage(items=rows[:limit], next_cursor=next_cursor)


def clinics_public() -> QuerySet[Clinic]:
    """The clinics a visitor can open (the sitemap lists them): listed ones, by slug."""
    return Clinic.objects.filter(status=ClinicStatus.LISTED).order_by("slug")


def clinics_offering(*, procedure: Procedure, limit: int) -> tuple[list[Clinic], int]:
    """The first listed clinics (by name) that offer a procedure, and how many there are (one query)."""
    offering = Clinic.objects.filter(status=ClinicStatus.LISTED, procedures=procedure)
    rows: list[Clinic] = list(offering.annotate(total=Window(Count("id"))).order_by("name", "id")[:limit])
    total: int = getattr(rows[0], "total", 0) if rows else 0
    return rows, total


def clinic_cities() -> list[str]:
    """The cities that have a listed clinic, for the filter (one query)."""
    cities = Clinic.objects.filter(status=ClinicStatus.LISTED).values_list("city", flat=True).distinct()
    return sorted(set(cities), key=str.casefold)


# --- who may perform a procedure, as the guide says it ------------------------------------------------------


@dataclass
class GuideRule:
    """The guide's statement of who may perform its procedure, with the guide's sources for it."""

    procedure: Procedure
    claim: Claim | None
    citations: list[ClaimSource]

    @property
    def url(self) -> str:
        anchor = f"#claim-{self.claim.code}" if self.claim is not None else ""
        return self.procedure.get_absolute_url() + anchor

    def source_labels(self) -> list[str]:
        return [c.source.label_for(self.procedure.slug) for c in self.citations]


def guide_rules(*, procedures: list[Procedure]) -> dict[int, GuideRule]:
    """Each procedure's "who may perform it" statement and its sources, in one query (plus one prefetch)."""
    claims = (
        Claim.objects.filter(procedure__in=procedures, section=ClaimSection.PRACTITIONER)
        .prefetch_related(Prefetch("citations", queryset=ClaimSource.objects.select_related("source")))
        .order_by("procedure_id", "position")
    )
    first: dict[int, Claim] = {}
    for claim in claims:
        first.setdefault(claim.procedure_id, claim)
    rules = {}
    for procedure in procedures:
        found = first.get(procedure.pk)
        rules[procedure.pk] = GuideRule(procedure, found, list(found.citations.all()) if found else [])
    return rules


@dataclass
class OfferedProcedure:
    """A procedure a clinic offers, and which of the practitioners shown do not meet the guide's rule."""

    procedure: Procedure
    rule: GuideRule
    mismatched: list[Practitioner] = field(default_factory=list)


def procedures_offered(*, procedures: list[Procedure], practitioners: list[Practitioner]) -> list[OfferedProcedure]:
    rules = guide_rules(procedures=procedures)
    rows = []
    for procedure in procedures:
        mismatched = [
            p
            for p in practitioners
            if not profession_fits(required=procedure.practitioner, profession=p.profession).matches
        ]
        rows.append(OfferedProcedure(procedure, rules[procedure.pk], mismatched))
    return rows


# --- a clinic's page -----------------------------------------------------------------------------------------


def clinic_get_listed(*, slug: str) -> Clinic | None:
    """A listed clinic with its published guides and its practitioners (None: unknown, suggested, declined)."""
    if not isinstance(slug, str) or not SLUG.fullmatch(slug):
        return None
    return (
        Clinic.objects.filter(slug=slug, status=ClinicStatus.LISTED)
        .prefetch_related(_published_procedures(), Prefetch("practitioners", queryset=Practitioner.objects.all()))
        .first()
    )


def clinic_reviews_visible(*, clinic: Clinic) -> QuerySet[Review]:
    """The clinic's published, not hidden reviews: the only ones it is counted and listed by."""
    return Review.objects.filter(attribution__clinic=clinic, status=ReviewStatus.PUBLISHED, hidden_at__isnull=True)


def clinic_stats(*, clinic: Clinic) -> dict[str, Any]:
    """The guide's aggregates (reviews.selectors.stats_compute_over: the same formula) over the clinic's
    published reviews; they include `by_label` (selectors.labels, as on the guide): Verified, Invited, no label."""
    stats = stats_compute_over(visible=clinic_reviews_visible(clinic=clinic))
    stats.setdefault("by_label", label_rows({}))  # no reviews: no breakdown counted, every label zero
    return stats


def stats_side_effect_labels(*, visible: QuerySet[Review]) -> dict[str, str]:
    """The side effects' names from the guides the counted reviews are about (one query per guide)."""
    labels: dict[str, str] = {}
    procedure_ids = visible.order_by().values_list("procedure_id", flat=True).distinct()
    for procedure in Procedure.objects.filter(pk__in=procedure_ids):
        labels.update(side_effect_labels(procedure=procedure))
    return labels


@dataclass
class ClinicActivity:
    """What the clinic did about its reviews, counted from the records themselves: shown only where non-zero."""

    replies: int
    invitations_sent: int
    invitations_reviewed: int

    @property
    def any(self) -> bool:
        return bool(self.replies or self.invitations_sent)


def clinic_activity(*, clinic: Clinic) -> ClinicActivity:
    replies = Reply.objects.filter(clinic=clinic, by_reviewer=False, status=ReplyStatus.APPROVED).count()
    invitations = invitation_counts(clinic=clinic)  # one query, whether or not the clinic sent any
    return ClinicActivity(
        replies=replies,
        invitations_sent=invitations.sent,
        invitations_reviewed=invitations.became_reviews,
    )


@dataclass
class ClinicPageData:
    clinic: Clinic
    practitioners: list[Practitioner]
    offered: list[OfferedProcedure]
    stats: dict[str, Any]
    side_effect_labels: dict[str, str]
    reviews: ReviewPage
    activity: ClinicActivity
    reports: ClinicReportCounts  # selectors.reports: the reviews it reported and what moderators decided


def clinic_page(*, clinic: Clinic, cursor: str | None = None) -> ClinicPageData:
    """Everything a clinic's page shows, in a fixed number of queries whatever the number of reviews.
    Raises ApplicationError naming `cursor`."""
    practitioners = list(clinic.practitioners.all())
    visible = clinic_reviews_visible(clinic=clinic)
    stats = clinic_stats(clinic=clinic)
    return ClinicPageData(
        clinic=clinic,
        practitioners=practitioners,
        offered=procedures_offered(procedures=list(clinic.procedures.all()), practitioners=practitioners),
        stats=stats,
        side_effect_labels=stats_side_effect_labels(visible=visible) if stats["side_effects"] else {},
        reviews=review_page_of(visible=visible, cursor=cursor, limit=CLINIC_REVIEWS),
        activity=clinic_activity(clinic=clinic),
        reports=clinic_report_counts(clinic=clinic),
    )


# --- a practitioner's page -----------------------------------------------------------------------------------


def practitioner_get_public(*, practitioner_id: int) -> Practitioner | None:
    """A practitioner with their listed clinics (and those clinics' published guides). None for one who works
    only at clinics that are not listed (a suggestion's practitioner is no more public than the suggestion)."""
    listed = Clinic.objects.filter(status=ClinicStatus.LISTED).prefetch_related(_published_procedures())
    practitioner = (
        Practitioner.objects.filter(pk=practitioner_id)
        .annotate(clinic_total=Count("clinics"))
        .prefetch_related(Prefetch("clinics", queryset=listed, to_attr="listed_clinics"))
        .first()
    )
    if practitioner is None:
        return None
    if practitioner.clinic_total and not getattr(practitioner, "listed_clinics", []):
        return None
    return practitioner


@dataclass
class PractitionerPageData:
    practitioner: Practitioner
    clinics: list[Clinic]
    offered: list[OfferedProcedure]  # procedures of their clinics whose guide's rule they do not meet
    reviews: ReviewPage


def practitioner_page(*, practitioner: Practitioner, cursor: str | None = None) -> PractitionerPageData:
    clinics: list[Clinic] = getattr(practitioner, "listed_clinics", [])  # prefetched by practitioner_get_public
    procedures: dict[int, Procedure] = {}
    for clinic in clinics:
        for procedure in clinic.procedures.all():
            procedures.setdefault(procedure.pk, procedure)
    ordered = sorted(procedures.values(), key=lambda p: (p.position, p.name))
    offered = procedures_offered(procedures=ordered, practitioners=[practitioner])
    visible = Review.objects.filter(
        attribution__practitioner=practitioner, status=ReviewStatus.PUBLISHED, hidden_at__isnull=True
    )
    return PractitionerPageData(
        practitioner=practitioner,
        clinics=clinics,
        offered=offered,
        reviews=review_page_of(visible=visible, cursor=cursor, limit=CLINIC_REVIEWS),
    )


# --- moderators ----------------------------------------------------------------------------------------------


def clinic_suggestions_waiting() -> QuerySet[Clinic]:
    """Suggested clinics, oldest first, with who suggested them and how many reviews name them."""
    return (
        Clinic.objects.filter(status=ClinicStatus.SUGGESTED)
        .select_related("suggested_by")
        .annotate(review_count=Count("attributions"))
        .order_by("created_at", "id")
    )
