"""Invitations over the API: the same services as the staff's invitations page. Only the approved staff of the
clinic see or create its invitations; everyone else signed in gets 404 (as if the clinic had none), a visitor 401.
Addresses are never returned (they are not kept); a link's token only once, in the answer that created it."""

from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Path, Router, Schema, Status

from cryoview.accounts.models import User
from cryoview.api.videos import require_user
from cryoview.clinics.models import Clinic, Invitation
from cryoview.clinics.selectors.invitations import (
    InvitationBatch,
    invitation_batches,
    invitation_counts,
    invitation_for_staff,
    invitation_problem,
    invitations_open,
)
from cryoview.clinics.selectors.staff import clinic_for_staff, slug_ok
from cryoview.clinics.services.invitations import (
    CSV_MAX_ADDRESSES,
    INVITATION_DAYS,
    LINKS_MAX,
    Address,
    address_problem,
    invitation_links_create,
    invitation_revoke,
    invitations_send,
)
from cryoview.core.errors import ApplicationError, FieldProblem, NotFoundError
from cryoview.core.parsing import BIGINT_MAX
from cryoview.procedures.models import Procedure

# An id in the path: a positive bigint (a larger number is a 422, not a database error).
ID = Path(..., ge=1, le=BIGINT_MAX)  # type: ignore[type-arg]

router = Router(tags=["clinic invitations"])


class InvitationsIn(Schema):
    count: int | None = Field(
        default=None, ge=1, le=LINKS_MAX, description="links to create, returned once to copy; or send `emails`"
    )
    emails: list[str] | None = Field(
        default=None,
        max_length=CSV_MAX_ADDRESSES,
        description=f"addresses to mail the fixed invitation to (at most {CSV_MAX_ADDRESSES}); all or nothing",
    )
    procedure: str | None = Field(
        default=None, max_length=200, description="one of the clinic's procedures (slug); empty: the patient chooses"
    )


class InvitationsCreatedOut(Schema):
    batch: uuid.UUID
    count: int
    expires_at: dt.datetime
    links: list[str] = Field(description="the links (only when created by `count`): shown this once, never again")


class InvitationOut(Schema):
    id: int
    batch: uuid.UUID
    created_at: dt.datetime
    expires_at: dt.datetime
    by_email: bool
    status: str = Field(description="open, used, revoked or expired")


class BatchOut(Schema):
    batch: uuid.UUID
    created_at: dt.datetime
    expires_at: dt.datetime
    by_email: bool
    sent: int
    used: int
    expired: int
    revoked: int
    open: int


class InvitationListOut(Schema):
    sent: int
    became_reviews: int
    validity_days: int
    batches: list[BatchOut]
    open: list[InvitationOut] = Field(description="invitations whose link still works (to revoke one)")


def _staff_clinic(request: HttpRequest, slug: str) -> tuple[User, Clinic]:
    user = require_user(request)
    clinic = clinic_for_staff(slug=slug, user=user)
    if clinic is None:
        raise NotFoundError("No such clinic.")
    return user, clinic


def _procedure(clinic: Clinic, slug: str | None) -> Procedure | None:
    if not slug:
        return None
    if not slug_ok(slug):  # checked before the query: a NUL byte or a lone surrogate is a 422, not a 500
        raise ApplicationError.for_fields([FieldProblem("procedure", "must be one of the clinic's procedures")])
    procedure = clinic.procedures.filter(slug=slug, is_published=True).first()
    if procedure is None:
        raise ApplicationError.for_fields([FieldProblem("procedure", "must be one of the clinic's procedures")])
    return procedure


def _addresses(emails: list[str]) -> list[Address]:
    problems = []
    for index, email in enumerate(emails):
        problem = address_problem(email.strip())
        if problem is not None:
            problems.append(FieldProblem("emails", f"address {index + 1}: {problem}"))
    if problems:
        raise ApplicationError.for_fields(problems[:50])
    return [Address(email=email.strip()) for email in emails]


def invitation_out(invitation: Invitation) -> InvitationOut:
    problem = invitation_problem(invitation)
    return InvitationOut(
        id=invitation.pk,
        batch=invitation.batch,
        created_at=invitation.created_at,
        expires_at=invitation.expires_at,
        by_email=bool(invitation.email_digest),
        status=problem.code if problem is not None else "open",
    )


def batch_out(batch: InvitationBatch) -> BatchOut:
    return BatchOut(**{name: getattr(batch, name) for name in BatchOut.model_fields})


@router.post(
    "/clinics/{slug}/invitations",
    response={201: InvitationsCreatedOut},
    summary="Create invitation links (`count`) or mail invitations (`emails`); clinic staff",
)
def invitations_create(request: HttpRequest, slug: str, payload: InvitationsIn) -> Status[InvitationsCreatedOut]:
    user, clinic = _staff_clinic(request, slug)
    if (payload.count is None) == (payload.emails is None):
        raise ApplicationError.for_fields([FieldProblem("count", "send either `count` (links) or `emails`")])
    procedure = _procedure(clinic, payload.procedure)
    if payload.emails is not None:
        created = invitations_send(
            clinic=clinic, by=user, addresses=_addresses(payload.emails), procedure=procedure, field="emails"
        )
        links: list[str] = []
    else:
        created = invitation_links_create(clinic=clinic, by=user, count=payload.count or 1, procedure=procedure)
        links = [request.build_absolute_uri(reverse("clinics:invitation", args=[token])) for _, token in created.links]
    return Status(
        201,
        InvitationsCreatedOut(
            batch=created.batch, count=created.count, expires_at=created.links[0][0].expires_at, links=links
        ),
    )


@router.get(
    "/clinics/{slug}/invitations",
    response=InvitationListOut,
    summary="The clinic's invitations: counts per batch and the open ones (clinic staff)",
)
def invitations_list(request: HttpRequest, slug: str) -> InvitationListOut:
    _, clinic = _staff_clinic(request, slug)
    counts = invitation_counts(clinic=clinic)
    return InvitationListOut(
        sent=counts.sent,
        became_reviews=counts.became_reviews,
        validity_days=INVITATION_DAYS,
        batches=[batch_out(b) for b in invitation_batches(clinic=clinic)],
        open=[invitation_out(i) for i in invitations_open(clinic=clinic)],
    )


@router.post(
    "/clinics/{slug}/invitations/{invitation_id}/revoke",
    response=InvitationOut,
    summary="Revoke an unused invitation: its link stops working (clinic staff)",
)
def invitations_revoke(request: HttpRequest, slug: str, invitation_id: int = ID) -> InvitationOut:
    user, clinic = _staff_clinic(request, slug)
    invitation = (
        invitation_for_staff(clinic=clinic, invitation_id=invitation_id) if 0 < invitation_id <= BIGINT_MAX else None
    )
    if invitation is None:
        raise NotFoundError("No such invitation.")
    return invitation_out(invitation_revoke(invitation=invitation, by=user))
