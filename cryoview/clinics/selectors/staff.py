"""Reads for clinic staff (their console) and for moderators (the queue of claims and credential checks)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from cryoview.accounts.models import User
from cryoview.clinics.enums import ClinicStatus, StaffStatus, Verdict
from cryoview.clinics.models import Clinic, ClinicLogEntry, ClinicStaff, CredentialCheck, Practitioner
from cryoview.clinics.permissions import is_staff_of
from cryoview.procedures.selectors import SLUG

SLUG_MAX = 200  # longer than any slug we store (Clinic 80, Procedure): a longer "slug" is nobody's

LOG_ON_CONSOLE = 50


def slug_ok(slug: object) -> bool:
    """Whether `slug` can be a slug at all: checked before any query, so a NUL byte (PostgreSQL refuses it) or a lone
    surrogate (SQLite cannot encode it) is a 404 or a 422, never a database error."""
    return isinstance(slug, str) and len(slug) <= SLUG_MAX and SLUG.fullmatch(slug) is not None


def clinic_listed(*, slug: str) -> Clinic | None:
    if not slug_ok(slug):
        return None
    return Clinic.objects.filter(slug=slug, status=ClinicStatus.LISTED).first()


def clinic_for_staff(*, slug: str, user: User | None) -> Clinic | None:
    """The clinic when `user` is its approved staff; None for everyone else (a 404, same as a missing clinic)."""
    if not slug_ok(slug):
        return None
    clinic = Clinic.objects.filter(slug=slug).first()
    if clinic is None or not is_staff_of(user, clinic):
        return None
    return clinic


def console_practitioners(*, clinic: Clinic) -> list[Practitioner]:
    """The clinic's practitioners, each with its pending check (if any) in `pending_checks`."""
    pending = CredentialCheck.objects.filter(status=Verdict.PENDING)
    return list(
        clinic.practitioners.order_by("name", "pk").prefetch_related(
            Prefetch("credential_checks", queryset=pending, to_attr="pending_checks")
        )
    )


def console_log(*, clinic: Clinic, limit: int = LOG_ON_CONSOLE) -> list[ClinicLogEntry]:
    return list(ClinicLogEntry.objects.filter(clinic=clinic).order_by("-created_at", "-id")[:limit])


def claims_pending() -> QuerySet[ClinicStaff]:
    return (
        ClinicStaff.objects.filter(status=StaffStatus.PENDING)
        .select_related("clinic", "user")
        .order_by("created_at", "pk")
    )


def checks_pending() -> QuerySet[CredentialCheck]:
    return (
        CredentialCheck.objects.filter(status=Verdict.PENDING)
        .select_related("practitioner", "clinic", "submitted_by")
        .order_by("created_at", "pk")
    )


def staff_approved() -> QuerySet[ClinicStaff]:
    return (
        ClinicStaff.objects.filter(status=StaffStatus.APPROVED)
        .select_related("clinic", "user")
        .order_by("clinic__name", "pk")
    )


def claims_of(*, user: User) -> QuerySet[ClinicStaff]:
    return ClinicStaff.objects.filter(user=user).select_related("clinic").order_by("-created_at", "-pk")


def claim_get(*, claim_id: int) -> ClinicStaff | None:
    return ClinicStaff.objects.filter(pk=claim_id).select_related("clinic", "user").first()


def check_get(*, check_id: int) -> CredentialCheck | None:
    return CredentialCheck.objects.filter(pk=check_id).select_related("practitioner", "clinic").first()
