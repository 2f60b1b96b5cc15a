"""What approved clinic staff change on their clinic's console: its details and its practitioners. Every change is
logged in the clinic log; changing a practitioner's licence fields clears their credentials badge.

The clinic's name, city and country stay with moderators: they are how reviewers named the place, and a clinic
that could rename or move itself could shed the reviews written under its old identity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from django.db import transaction

from cryoview.accounts.models import User
from cryoview.clinics.enums import ClinicAction, Profession
from cryoview.clinics.models import Clinic, Practitioner
from cryoview.clinics.permissions import is_staff_of
from cryoview.clinics.services.credentials import LicenceFields, clean_country, clean_text, credentials_clear_on_change
from cryoview.clinics.services.directory import guides_show_clinics_later
from cryoview.clinics.services.log import clinic_log_add
from cryoview.clinics.services.pages import attribution_pages_changed
from cryoview.core.errors import ApplicationError, FieldProblem, NotFoundError
from cryoview.procedures.models import Procedure

PHONE = re.compile(r"\+?[0-9 ()./-]{3,32}", re.ASCII)


def require_staff(*, by: User, clinic: Clinic) -> None:
    """Staff of another clinic (and everyone else) get what a missing clinic gets: 404."""
    if not is_staff_of(by, clinic):
        raise NotFoundError("No such clinic.")


@dataclass(frozen=True)
class ClinicDetails:
    address: str
    website: str
    phone: str
    procedure_ids: list[int]


def clinic_details_update(*, clinic: Clinic, by: User, details: ClinicDetails) -> Clinic:
    """Staff change their clinic's address, website, phone and procedures. Side effects: the clinic row, its
    procedures, one CLINIC_EDITED log entry naming the fields changed (none when nothing changed)."""
    require_staff(by=by, clinic=clinic)
    problems: list[FieldProblem] = []
    address = clean_text(details.address, field="address", max_length=200, required=False, problems=problems)
    website = clean_text(details.website, field="website", max_length=300, required=False, problems=problems)
    if website and not re.fullmatch(r"https?://[^\s/$.?#][^\s]*", website):
        problems.append(FieldProblem("website", "must be a web address starting with https:// or http://"))
    phone = clean_text(details.phone, field="phone", max_length=32, required=False, problems=problems)
    if phone and not PHONE.fullmatch(phone):
        problems.append(FieldProblem("phone", "may hold digits, spaces, + ( ) . / - only"))
    procedures = list(Procedure.objects.filter(pk__in=details.procedure_ids).order_by("pk"))
    if len(procedures) != len(set(details.procedure_ids)):
        problems.append(FieldProblem("procedures", "must be procedures from the guides"))
    if problems:
        raise ApplicationError.for_fields(problems)
    before_procedures = set(clinic.procedures.values_list("pk", flat=True))
    changed = [n for n, v in (("address", address), ("website", website), ("phone", phone)) if getattr(clinic, n) != v]
    if before_procedures != {p.pk for p in procedures}:
        changed.append("procedures")
    if not changed:
        return clinic
    with transaction.atomic():
        clinic.address, clinic.website, clinic.phone = address, website, phone
        clinic.save(update_fields=["address", "website", "phone", "updated_at"])
        clinic.procedures.set(procedures)
        if "procedures" in changed:
            guides_show_clinics_later()  # "Clinics offering this" on the guides
        clinic_log_add(
            clinic=clinic, actor=by, action=ClinicAction.CLINIC_EDITED, target=clinic, details={"fields": changed}
        )
    return clinic


@dataclass(frozen=True)
class PractitionerInput:
    name: str
    profession: str
    licence: LicenceFields


def _practitioner_clean(data: PractitionerInput) -> PractitionerInput:
    problems: list[FieldProblem] = []
    name = clean_text(data.name, field="name", max_length=120, required=True, problems=problems)
    if data.profession not in Profession.values:
        problems.append(FieldProblem("profession", "must be one of " + ", ".join(Profession.values)))
    lic = data.licence
    licence = LicenceFields(
        licence_number=clean_text(
            lic.licence_number, field="licence_number", max_length=60, required=False, problems=problems
        ),
        issuing_body=clean_text(
            lic.issuing_body, field="issuing_body", max_length=160, required=False, problems=problems
        ),
        country=clean_country(lic.country, field="country", required=False, problems=problems),
        licence_expires_on=lic.licence_expires_on,
    )
    if problems:
        raise ApplicationError.for_fields(problems)
    return PractitionerInput(name=name, profession=data.profession, licence=licence)


def practitioner_add(*, clinic: Clinic, by: User, data: PractitionerInput) -> Practitioner:
    """Staff add a practitioner who works at their clinic (no badge until a moderator checks their credentials).
    Side effects: the practitioner row, its clinic link, one PRACTITIONER_ADDED log entry."""
    require_staff(by=by, clinic=clinic)
    clean = _practitioner_clean(data)
    with transaction.atomic():
        practitioner = Practitioner.objects.create(
            name=clean.name,
            profession=clean.profession,
            **{f.name: getattr(clean.licence, f.name) for f in fields(LicenceFields)},
        )
        practitioner.clinics.add(clinic)
        clinic_log_add(clinic=clinic, actor=by, action=ClinicAction.PRACTITIONER_ADDED, target=practitioner)
    return practitioner


def practitioner_of(*, clinic: Clinic, practitioner_id: int) -> Practitioner:
    """A practitioner who works at this clinic; anyone else is 404."""
    practitioner = clinic.practitioners.filter(pk=practitioner_id).first()
    if practitioner is None:
        raise NotFoundError("No such practitioner at this clinic.")
    return practitioner


def practitioner_update(
    *, clinic: Clinic, practitioner: Practitioner, by: User, data: PractitionerInput
) -> Practitioner:
    """Staff correct a practitioner of their clinic. A change of profession or of a licence field clears the
    credentials badge (see credentials_clear_on_change). Side effects: the practitioner row, one
    PRACTITIONER_EDITED log entry naming the fields changed, and maybe CREDENTIALS_CLEARED."""
    require_staff(by=by, clinic=clinic)
    practitioner = practitioner_of(clinic=clinic, practitioner_id=practitioner.pk)
    clean = _practitioner_clean(data)
    before = LicenceFields.of(practitioner)
    changed = [n for n in ("name", "profession") if getattr(practitioner, n) != getattr(clean, n)]
    changed += before.differences(clean.licence)
    if not changed:
        return practitioner
    with transaction.atomic():
        practitioner = Practitioner.objects.select_for_update().get(pk=practitioner.pk)
        profession_changed = practitioner.profession != clean.profession
        name_changed = practitioner.name != clean.name
        practitioner.name, practitioner.profession = clean.name, clean.profession
        for f in fields(LicenceFields):
            setattr(practitioner, f.name, getattr(clean.licence, f.name))
        practitioner.save()
        attribution_pages_changed(practitioner_ids=[practitioner.pk])
        clinic_log_add(
            clinic=clinic,
            actor=by,
            action=ClinicAction.PRACTITIONER_EDITED,
            target=practitioner,
            details={"fields": changed},
        )
        credentials_clear_on_change(
            practitioner=practitioner,
            before=before,
            clinic=clinic,
            by=by,
            profession_changed=profession_changed,
            name_changed=name_changed,
        )
    return practitioner
