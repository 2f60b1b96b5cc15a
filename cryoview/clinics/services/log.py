"""The clinic log: one row per action of clinic staff and per moderator decision about a clinic."""

from __future__ import annotations

from typing import Any

from cryoview.accounts.models import User
from cryoview.clinics.enums import ClinicAction
from cryoview.clinics.models import Clinic, ClinicLogEntry


def clinic_log_add(
    *,
    clinic: Clinic,
    actor: User | None,
    action: ClinicAction,
    target: Any = None,
    details: dict[str, Any] | None = None,
) -> ClinicLogEntry:
    """Appends one entry (call it inside the transaction of the change it records). `target` is any model row;
    its kind and id are kept, so the entry outlives it. `details` holds hashes, verdicts and counts, never a
    document or an e-mail address."""
    return ClinicLogEntry.objects.create(
        clinic=clinic,
        clinic_name=clinic.name,
        actor=actor,
        actor_name=actor.public_name if actor is not None else "system",
        action=action,
        target_kind=target._meta.model_name if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        details=details or {},
    )
