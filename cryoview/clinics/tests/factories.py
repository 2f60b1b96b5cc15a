"""Clinics and practitioners for tests."""

from __future__ import annotations

from typing import Any

from django.utils.text import slugify

from cryoview.accounts.models import User
from cryoview.clinics.enums import Profession, StaffStatus
from cryoview.clinics.models import Clinic, ClinicStaff, Practitioner


def make_clinic(name: str = "Nordlicht Skin Clinic", **fields: Any) -> Clinic:
    values: dict[str, Any] = {"slug": slugify(name)[:80], "city": "Berlin", "country": "DE"}
    values.update(fields)
    return Clinic.objects.create(name=name, **values)


def make_practitioner(clinic: Clinic | None = None, **fields: Any) -> Practitioner:
    values: dict[str, Any] = {
        "name": "Dr. Anna Weber",
        "profession": Profession.DERMATOLOGIST,
        "licence_number": "DE-ARZT-123456",
        "issuing_body": "Ärztekammer Berlin",
        "country": "DE",
    }
    values.update(fields)
    practitioner = Practitioner.objects.create(**values)
    if clinic is not None:
        practitioner.clinics.add(clinic)
    return practitioner


def make_staff(user: User, clinic: Clinic) -> ClinicStaff:
    """Approved staff, as a moderator's approval of a claim leaves them."""
    return ClinicStaff.objects.create(clinic=clinic, user=user, status=StaffStatus.APPROVED, proof_sha256="0" * 64)
