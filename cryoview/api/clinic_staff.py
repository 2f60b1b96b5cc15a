"""Claims and credential checks over the API: the same services as the claim page, the staff console and the
moderators' checks. Another clinic's objects are 404 (as if they did not exist); a non-moderator deciding is 403,
as in the moderation API. Documents are sent as multipart/form-data (field `document`)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile

from cryoview.accounts.models import User
from cryoview.api.videos import require_user
from cryoview.clinics.models import ClinicStaff, CredentialCheck
from cryoview.clinics.selectors.staff import (
    check_get,
    checks_pending,
    claim_get,
    claims_of,
    claims_pending,
    clinic_for_staff,
    clinic_listed,
)
from cryoview.clinics.services.claims import clinic_claim_decide, clinic_claim_send
from cryoview.clinics.services.credentials import LicenceFields, credential_check_decide, credential_check_send
from cryoview.core.errors import ApplicationError, NotFoundError
from cryoview.core.parsing import parse_date
from cryoview.moderation.permissions import can_moderate

router = Router(tags=["clinic staff"])


def require_moderator(request: HttpRequest) -> User:
    user = require_user(request)
    if not can_moderate(user):
        raise ApplicationError("Only moderators can decide.", status=403, code="forbidden")
    return user


class ClaimIn(Schema):
    job_title: str = Field(max_length=120, description="the claimant's job title at the clinic")
    message: str = Field(default="", max_length=2000, description="for the moderators")


class ClaimOut(Schema):
    id: int
    clinic: str = Field(description="the clinic's slug")
    status: str = Field(description="pending, approved, rejected or revoked")
    job_title: str
    proof_sha256: str
    reason: str
    created_at: dt.datetime
    decided_at: dt.datetime | None


def claim_out(claim: ClinicStaff) -> ClaimOut:
    return ClaimOut(
        id=claim.pk,
        clinic=claim.clinic.slug,
        status=claim.status,
        job_title=claim.job_title,
        proof_sha256=claim.proof_sha256,
        reason=claim.reason,
        created_at=claim.created_at,
        decided_at=claim.decided_at,
    )


class CredentialIn(Schema):
    licence_number: str = Field(max_length=60)
    issuing_body: str = Field(max_length=160)
    country: str = Field(max_length=2, description="ISO 3166-1 alpha-2, e.g. DE")
    licence_expires_on: str = Field(default="", description="YYYY-MM-DD; empty when it does not expire")


class CheckOut(Schema):
    id: int
    practitioner_id: int
    clinic: str | None
    licence_number: str
    issuing_body: str
    country: str
    licence_expires_on: dt.date | None
    document_sha256: str
    status: str = Field(description="pending, accepted or rejected")
    decided_at: dt.datetime | None
    reason: str
    credentials_checked_on: dt.date | None = Field(description="the practitioner's badge: credentials checked on")


def check_out(check: CredentialCheck) -> CheckOut:
    return CheckOut(
        id=check.pk,
        practitioner_id=check.practitioner_id,
        clinic=check.clinic.slug if check.clinic is not None else None,
        licence_number=check.licence_number,
        issuing_body=check.issuing_body,
        country=check.country,
        licence_expires_on=check.licence_expires_on,
        document_sha256=check.document_sha256,
        status=check.status,
        decided_at=check.decided_at,
        reason=check.reason,
        credentials_checked_on=check.practitioner.credentials_checked_on,
    )


class DecisionIn(Schema):
    decision: Literal["accept", "reject"] = Field(description="accept (approve a claim, check credentials) or reject")
    reason: str = Field(default="", max_length=2000, description="required to reject: the sender sees it")


@router.post("/clinics/{slug}/claims", response={201: ClaimOut}, summary="Claim a clinic, with proof (multipart)")
def claim_send(
    request: HttpRequest, slug: str, payload: Form[ClaimIn], document: File[UploadedFile]
) -> Status[ClaimOut]:
    user = require_user(request)
    clinic = clinic_listed(slug=slug)
    if clinic is None:
        raise NotFoundError("No such clinic.")
    claim = clinic_claim_send(
        clinic=clinic, by=user, job_title=payload.job_title, message=payload.message, document=document
    )
    return Status(201, claim_out(claim))


@router.get("/clinic-claims/mine", response=list[ClaimOut], summary="My claims, newest first")
def claims_mine(request: HttpRequest) -> list[ClaimOut]:
    user = require_user(request)
    return [claim_out(c) for c in claims_of(user=user)]


@router.get("/clinic-claims", response=list[ClaimOut], summary="Claims waiting for a moderator (moderators)")
def claims_queue(request: HttpRequest) -> list[ClaimOut]:
    require_moderator(request)
    return [claim_out(c) for c in claims_pending()]


@router.post("/clinic-claims/{claim_id}/decision", response=ClaimOut, summary="Approve or reject a claim")
def claim_decide(request: HttpRequest, claim_id: int, payload: DecisionIn) -> ClaimOut:
    user = require_moderator(request)
    claim = claim_get(claim_id=claim_id)
    if claim is None:
        raise NotFoundError("No such claim.")
    claim = clinic_claim_decide(claim=claim, by=user, approve=payload.decision == "accept", reason=payload.reason)
    return claim_out(claim)


@router.post(
    "/clinics/{slug}/practitioners/{practitioner_id}/credential-checks",
    response={201: CheckOut},
    summary="Send a practitioner's credentials for checking (clinic staff; multipart)",
)
def check_send(
    request: HttpRequest, slug: str, practitioner_id: int, payload: Form[CredentialIn], document: File[UploadedFile]
) -> Status[CheckOut]:
    user = require_user(request)
    clinic = clinic_for_staff(slug=slug, user=user)
    practitioner = clinic.practitioners.filter(pk=practitioner_id).first() if clinic is not None else None
    if clinic is None or practitioner is None:
        raise NotFoundError("No such practitioner at this clinic.")
    expires = payload.licence_expires_on.strip()
    licence = LicenceFields(
        licence_number=payload.licence_number,
        issuing_body=payload.issuing_body,
        country=payload.country,
        licence_expires_on=parse_date(expires, field="licence_expires_on") if expires else None,
    )
    check = credential_check_send(clinic=clinic, practitioner=practitioner, by=user, licence=licence, document=document)
    return Status(201, check_out(check))


@router.get("/credential-checks", response=list[CheckOut], summary="Credentials waiting for a moderator")
def checks_queue(request: HttpRequest) -> list[CheckOut]:
    require_moderator(request)
    return [check_out(c) for c in checks_pending()]


@router.post("/credential-checks/{check_id}/decision", response=CheckOut, summary="Accept or reject credentials")
def check_decide(request: HttpRequest, check_id: int, payload: DecisionIn) -> CheckOut:
    user = require_moderator(request)
    check = check_get(check_id=check_id)
    if check is None:
        raise NotFoundError("No such credential check.")
    check = credential_check_decide(check=check, by=user, accept=payload.decision == "accept", reason=payload.reason)
    return check_out(check)
