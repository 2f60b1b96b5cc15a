"""Who may act for a clinic. Clinic staff are bound to their clinic: for everything of another clinic they get
the same answer as for something that does not exist (404), never a 403 that says it exists."""

from __future__ import annotations

from cryoview.accounts.models import User
from cryoview.clinics.enums import StaffStatus
from cryoview.clinics.models import Clinic, ClinicStaff


def staff_clinic_ids(user: User | None) -> set[int]:
    """The clinics this person is approved staff of (none for a visitor)."""
    if user is None or not user.is_authenticated:
        return set()
    rows = ClinicStaff.objects.filter(user=user, status=StaffStatus.APPROVED).values_list("clinic_id", flat=True)
    return set(rows)


def is_staff_of(user: User | None, clinic: Clinic | int) -> bool:
    clinic_id = clinic if isinstance(clinic, int) else clinic.pk
    return clinic_id in staff_clinic_ids(user)
