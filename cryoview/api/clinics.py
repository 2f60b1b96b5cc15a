"""The clinics directory over the API: the same selectors as the pages (cryoview.clinics.selectors.directory).

Only listed clinics exist here: a suggested or declined clinic answers 404 like a slug nobody used.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from cryoview.api.reviews import LabelStatsOut, StatsOut
from cryoview.clinics.models import Clinic, Practitioner
from cryoview.clinics.selectors.directory import (
    CLINIC_PAGE_SIZE,
    MAX_CLINIC_PAGE_SIZE,
    OfferedProcedure,
    clinic_filters_parse,
    clinic_get_listed,
    clinic_list_listed,
    clinic_reviews_visible,
    clinic_stats,
    practitioner_get_public,
    procedures_offered,
)
from cryoview.clinics.selectors.invitations import invitation_counts
from cryoview.clinics.selectors.reports import clinic_report_counts
from cryoview.core.errors import NotFoundError
from cryoview.core.parsing import BIGINT_MAX

router = Router(tags=["clinics"])


class ProcedureRefOut(Schema):
    slug: str
    name: str
    page: str
    practitioner: str = Field(description="who the guide says may perform it: cosmetologist or dermatologist")


class ClinicSummaryOut(Schema):
    slug: str
    name: str
    city: str
    country: str
    procedures: list[ProcedureRefOut]
    review_count: int = Field(description="published reviews that name this clinic")
    page: str


class ClinicListOut(Schema):
    items: list[ClinicSummaryOut]
    next_cursor: str | None


class PractitionerSummaryOut(Schema):
    id: int
    name: str
    profession: str
    credentials_checked_on: dt.date | None = Field(
        description="when a moderator checked their licence or certificate; null: not checked or expired"
    )
    page: str


class GuideRuleOut(Schema):
    procedure: str
    required: str
    statement: str | None = Field(description="the guide's own words on who may perform it")
    guide: str = Field(description="the statement's place in the guide")
    sources: list[str]


class MismatchOut(GuideRuleOut):
    practitioners: list[int] = Field(description="ids of practitioners shown whose profession the guide does not name")


class ClinicReportsOut(Schema):
    reviews: int = Field(description="distinct reviews the clinic's staff reported")
    reports: int = Field(description="their reports (several staff may report one review)")
    removed: int = Field(description="reviews a moderator took down after a report")
    kept: int = Field(description="reviews a moderator kept")
    dismissed: int = Field(description="reviews whose report a moderator dismissed")
    waiting: int = Field(description="reviews still waiting for a moderator; they stay visible meanwhile")


class ClinicOut(ClinicSummaryOut):
    address: str
    website: str
    phone: str
    practitioners: list[PractitionerSummaryOut]
    mismatches: list[MismatchOut]
    invitations_sent: int = Field(description="invitations to review the clinic created (so review gating shows)")
    invitations_became_reviews: int = Field(description="of those, how many a review was written from")
    reports: ClinicReportsOut = Field(description="what the clinic reported and what moderators decided")


class ClinicRefOut(Schema):
    slug: str
    name: str
    city: str
    page: str


class PractitionerOut(PractitionerSummaryOut):
    issuing_body: str
    country: str
    clinics: list[ClinicRefOut]
    mismatches: list[MismatchOut]


class ClinicStatsOut(StatsOut):
    by_label: list[LabelStatsOut]


def _procedure_ref(procedure: Any) -> ProcedureRefOut:
    return ProcedureRefOut(
        slug=procedure.slug,
        name=procedure.name,
        page=procedure.get_absolute_url(),
        practitioner=procedure.practitioner,
    )


def _summary(clinic: Clinic) -> ClinicSummaryOut:
    return ClinicSummaryOut(
        slug=clinic.slug,
        name=clinic.name,
        city=clinic.city,
        country=clinic.country,
        procedures=[_procedure_ref(p) for p in clinic.procedures.all()],
        review_count=getattr(clinic, "review_count", 0),
        page=clinic.get_absolute_url(),
    )


def _practitioner_summary(practitioner: Practitioner) -> PractitionerSummaryOut:
    return PractitionerSummaryOut(
        id=practitioner.pk,
        name=practitioner.name,
        profession=practitioner.profession,
        credentials_checked_on=practitioner.credentials_checked_on,
        page=practitioner.get_absolute_url(),
    )


def _mismatches(rows: list[OfferedProcedure]) -> list[MismatchOut]:
    return [
        MismatchOut(
            procedure=row.procedure.slug,
            required=row.procedure.practitioner,
            statement=row.rule.claim.text if row.rule.claim else None,
            guide=row.rule.url,
            sources=row.rule.source_labels(),
            practitioners=[p.pk for p in row.mismatched],
        )
        for row in rows
        if row.mismatched
    ]


def _clinic(slug: str) -> Clinic:
    clinic = clinic_get_listed(slug=slug)
    if clinic is None:
        raise NotFoundError(f"No listed clinic with the slug {slug[:80]!r}.")
    return clinic


@router.get("/clinics", response=ClinicListOut, summary="Listed clinics by name, filtered by city and procedure")
def list_clinics(
    request: HttpRequest,
    city: str | None = Query(None, max_length=200, description="a city, in any case"),  # type: ignore[type-arg]
    procedure: str | None = Query(None, max_length=200, description="a published guide's slug"),  # type: ignore[type-arg]
    cursor: str | None = Query(None, max_length=400),  # type: ignore[type-arg]
    limit: int = Query(CLINIC_PAGE_SIZE, ge=1, le=MAX_CLINIC_PAGE_SIZE),  # type: ignore[type-arg]
) -> ClinicListOut:
    filters = clinic_filters_parse(city=city, procedure=procedure)
    page = clinic_list_listed(filters=filters, cursor=cursor, limit=limit)
    return ClinicListOut(items=[_summary(c) for c in page.items], next_cursor=page.next_cursor)


@router.get("/clinics/{slug}", response=ClinicOut, summary="One listed clinic with its practitioners")
def get_clinic(request: HttpRequest, slug: str) -> ClinicOut:
    clinic = _clinic(slug)
    practitioners = list(clinic.practitioners.all())
    offered = procedures_offered(procedures=list(clinic.procedures.all()), practitioners=practitioners)
    summary = _summary(clinic).model_dump()
    summary["review_count"] = clinic_reviews_visible(clinic=clinic).count()
    invitations = invitation_counts(clinic=clinic)
    return ClinicOut(
        **summary,
        address=clinic.address,
        website=clinic.website,
        phone=clinic.phone,
        practitioners=[_practitioner_summary(p) for p in practitioners],
        mismatches=_mismatches(offered),
        invitations_sent=invitations.sent,
        invitations_became_reviews=invitations.became_reviews,
        reports=ClinicReportsOut.model_validate(asdict(clinic_report_counts(clinic=clinic))),
    )


@router.get(
    "/clinics/{slug}/stats",
    response=ClinicStatsOut,
    summary="The guide's aggregates over the clinic's published reviews, and counts by label",
)
def get_clinic_stats(request: HttpRequest, slug: str) -> ClinicStatsOut:
    return ClinicStatsOut.model_validate(clinic_stats(clinic=_clinic(slug)))


@router.get(
    "/clinics/{slug}/practitioners", response=list[PractitionerSummaryOut], summary="A listed clinic's practitioners"
)
def list_clinic_practitioners(request: HttpRequest, slug: str) -> list[PractitionerSummaryOut]:
    return [_practitioner_summary(p) for p in _clinic(slug).practitioners.all()]


@router.get("/practitioners/{practitioner_id}", response=PractitionerOut, summary="One practitioner")
def get_practitioner(
    request: HttpRequest,
    practitioner_id: int = Path(..., ge=1, le=BIGINT_MAX),  # type: ignore[type-arg]
) -> PractitionerOut:
    practitioner = practitioner_get_public(practitioner_id=practitioner_id)
    if practitioner is None:
        raise NotFoundError("No such practitioner.")
    clinics: list[Clinic] = getattr(practitioner, "listed_clinics", [])
    procedures = {p.pk: p for clinic in clinics for p in clinic.procedures.all()}
    ordered = sorted(procedures.values(), key=lambda p: (p.position, p.name))
    return PractitionerOut(
        **_practitioner_summary(practitioner).model_dump(),
        issuing_body=practitioner.issuing_body,
        country=practitioner.country,
        clinics=[ClinicRefOut(slug=c.slug, name=c.name, city=c.city, page=c.get_absolute_url()) for c in clinics],
        mismatches=_mismatches(procedures_offered(procedures=ordered, practitioners=[practitioner])),
    )
