"""Reads for invitations: a link's state, the staff console's batches (counts only, never addresses), and the
counts each clinic's page shows so that review gating would show."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import Count, F, Max, Min, Q
from django.utils import timezone

from cryoview.clinics.enums import ClinicStatus
from cryoview.clinics.models import Clinic, Invitation
from cryoview.procedures.models import Procedure
from cryoview.reviews.enums import ReviewStatus

TOKEN_MAX = 100  # token_urlsafe(32) is 43 characters; anything much longer is not one of ours


@dataclass(frozen=True)
class InvitationProblem:
    code: str  # used, revoked, expired
    message: str


def invitation_problem(invitation: Invitation, *, now: datetime | None = None) -> InvitationProblem | None:
    """Why this link no longer works, or None while it does."""
    if invitation.used_at is not None:
        return InvitationProblem("used", "This invitation link has already been used to write a review.")
    if invitation.revoked_at is not None:
        return InvitationProblem("revoked", "The clinic has withdrawn this invitation link.")
    if invitation.expires_at <= (now or timezone.now()):
        return InvitationProblem("expired", "This invitation link has expired.")
    return None


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def invitation_by_token(*, token: str) -> Invitation | None:
    """The invitation of a link (with its clinic and procedure), or None for a token we never issued."""
    if not token or len(token) > TOKEN_MAX:
        return None
    return (
        Invitation.objects.filter(token_digest=token_digest(token), clinic__status=ClinicStatus.LISTED)
        .select_related("clinic", "procedure")
        .first()
    )


def invitation_procedures(*, invitation: Invitation) -> list[Procedure]:
    """What the invited patient may review: the invitation's procedure, or any published one the clinic offers."""
    if invitation.procedure is not None:
        return [invitation.procedure] if invitation.procedure.is_published else []
    return list(invitation.clinic.procedures.filter(is_published=True).order_by("position", "name"))


def invitation_for_staff(*, clinic: Clinic, invitation_id: int) -> Invitation | None:
    return Invitation.objects.filter(clinic=clinic, pk=invitation_id).select_related("clinic").first()


@dataclass(frozen=True)
class InvitationBatch:
    """One batch as the console shows it: counts only."""

    batch: UUID
    created_at: datetime
    expires_at: datetime
    by_email: bool
    sent: int
    used: int
    expired: int
    revoked: int

    @property
    def open(self) -> int:
        return self.sent - self.used - self.expired - self.revoked


def invitation_batches(*, clinic: Clinic, limit: int = 100) -> list[InvitationBatch]:
    """The clinic's batches, newest first, each with its counts. One query."""
    now = timezone.now()
    rows = (
        Invitation.objects.filter(clinic=clinic)
        .order_by()
        .values("batch")
        .annotate(
            created=Min("created_at"),
            expires=Max("expires_at"),
            sent=Count("id"),
            used=Count("id", filter=Q(used_at__isnull=False)),
            revoked=Count("id", filter=Q(used_at__isnull=True, revoked_at__isnull=False)),
            expired=Count("id", filter=Q(used_at__isnull=True, revoked_at__isnull=True, expires_at__lte=now)),
            mailed=Count("id", filter=~Q(email_digest="")),
        )
        .order_by("-created", "batch")[:limit]
    )
    return [
        InvitationBatch(
            batch=row["batch"],
            created_at=row["created"],
            expires_at=row["expires"],
            by_email=row["mailed"] > 0,
            sent=row["sent"],
            used=row["used"],
            expired=row["expired"],
            revoked=row["revoked"],
        )
        for row in rows
    ]


def invitations_open(*, clinic: Clinic, limit: int = 200) -> list[Invitation]:
    """The clinic's invitations that still work (to revoke one), newest first."""
    return list(
        Invitation.objects.filter(
            clinic=clinic, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).order_by("-created_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class InvitationCounts:
    sent: int
    became_reviews: int


def invitation_counts(*, clinic: Clinic) -> InvitationCounts:
    """How many invitations the clinic sent (revoked ones too: a link handed out and withdrawn was still sent;
    a mail batch the mail server refused is revoked as of its creation, `revoked_at == created_at`, and left out:
    it was never sent), and how many became
    reviews. One query, whatever the numbers; the clinic page, the staff page and the API all read this.

    "Became a review" counts only a review that is published now. Not a draft (nothing written yet), not one
    awaiting moderation (the public page would otherwise reveal a review nobody can read yet, and it may still be
    rejected), not a rejected or withdrawn one (no review stands). The count is there so that review gating shows
    (many sent, few reviews), and what a reader can weigh it against is the published reviews."""
    row = (
        Invitation.objects.filter(clinic=clinic)
        .exclude(revoked_at=F("created_at"))
        .aggregate(
            sent=Count("id"),
            reviewed=Count("id", filter=Q(used_at__isnull=False, attribution__review__status=ReviewStatus.PUBLISHED)),
        )
    )
    return InvitationCounts(sent=row["sent"], became_reviews=row["reviewed"])
