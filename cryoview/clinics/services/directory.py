"""Writes of the directory: members suggest clinics, moderators decide suggestions and edit clinics and
practitioners (in the admin). Every moderator decision about a clinic goes to the clinic log."""

from __future__ import annotations

import re
import unicodedata

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from cryoview.accounts.models import User
from cryoview.accounts.permissions import can_moderate
from cryoview.clinics.enums import ClinicAction, ClinicStatus
from cryoview.clinics.models import Clinic, Practitioner
from cryoview.clinics.services.credentials import LicenceFields, credentials_clear_on_change
from cryoview.clinics.services.log import clinic_log_add
from cryoview.clinics.services.pages import attribution_pages_changed
from cryoview.core.errors import ApplicationError, FieldProblem
from cryoview.core.pagecache import bump
from cryoview.core.parsing import check_text
from cryoview.procedures.selectors import procedure_list_published, procedure_scope

NAME_MAX = 120
CITY_MAX = 80
REASON_MAX = 1000
_COUNTRY = re.compile(r"[A-Z]{2}", re.ASCII)


def _clean(value: object, *, field: str, max_length: int, problems: list[FieldProblem]) -> str:
    try:
        text = unicodedata.normalize("NFC", check_text(value, field=field)).strip()
    except ApplicationError as error:
        problems.extend(error.problems)
        return ""
    text = " ".join(text.split())
    if not text:
        problems.append(FieldProblem(field, "is required"))
    elif len(text) > max_length:
        problems.append(FieldProblem(field, f"must be at most {max_length} characters"))
    return text


def _country(value: object, problems: list[FieldProblem]) -> str:
    text = value.strip().upper() if isinstance(value, str) else ""
    if not _COUNTRY.fullmatch(text):
        problems.append(FieldProblem("country", "must be a two-letter country code (ISO 3166-1), e.g. DE"))
    return text


def _unique_slug(name: str, city: str) -> str:
    base = (slugify(f"{name} {city}") or "clinic")[:70].strip("-") or "clinic"
    slug, n = base, 2
    while Clinic.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def guides_show_clinics_later() -> None:
    """Once the change commits, visitors' cached guide pages expire: their "Clinics offering this" changed.
    Every guide, since the clinic's procedures before the change are not known here (there are few guides)."""

    def expire() -> None:
        for slug in procedure_list_published().values_list("slug", flat=True):
            bump(procedure_scope(slug))

    transaction.on_commit(expire)


def _same_clinic(name: str, city: str) -> Clinic | None:
    """The listed clinic of that name in that city, else the waiting suggestion of it. Compared with Python's
    case folding, not the database's: SQLite folds only ASCII ("MÜNCHEN" is not "München" there)."""
    folded = (name.casefold(), city.casefold())
    candidates = Clinic.objects.filter(status__in=[ClinicStatus.LISTED, ClinicStatus.SUGGESTED])
    rows = candidates.only("pk", "name", "city", "status")
    same = [c for c in rows if (c.name.casefold(), c.city.casefold()) == folded]
    same.sort(key=lambda c: (c.status != ClinicStatus.LISTED, c.pk))
    return Clinic.objects.get(pk=same[0].pk) if same else None


def clinic_suggest(*, name: str, city: str, country: str, by: User) -> Clinic:
    """A member names a clinic the directory does not list yet (from the review form). Returns the Clinic:
    the listed one of that name in that city (case-insensitive) if there is one, else a pending suggestion
    of the same name and city if one waits already, else a new clinic with status suggested, which stays
    out of every public list until a moderator accepts it. Raises ApplicationError (422) naming the field.
    Side effects: at most one Clinic row (status suggested, suggested_by=by)."""
    problems: list[FieldProblem] = []
    clean_name = _clean(name, field="name", max_length=NAME_MAX, problems=problems)
    clean_city = _clean(city, field="city", max_length=CITY_MAX, problems=problems)
    clean_country = _country(country, problems)
    if problems:
        raise ApplicationError.for_fields(problems)
    found = _same_clinic(clean_name, clean_city)
    if found is not None:
        return found
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return Clinic.objects.create(
                    slug=_unique_slug(clean_name, clean_city),
                    name=clean_name,
                    city=clean_city,
                    country=clean_country,
                    status=ClinicStatus.SUGGESTED,
                    suggested_by=by,
                )
        except IntegrityError:  # the same slug taken meanwhile, by this very suggestion or another clinic
            found = _same_clinic(clean_name, clean_city)
            if found is not None:
                return found
    raise ApplicationError("Could not save the suggestion just now; please try again.", status=409, code="busy")


def clinic_suggestion_decide(*, clinic: Clinic, by: User, accept: bool, reason: str) -> Clinic:
    """A moderator lists a suggested clinic or declines it. A declined clinic stays (reviews that named it keep
    their attribution) but never appears publicly. Raises ApplicationError: 403 for a non-moderator, 409 when
    the clinic is no longer a suggestion, 422 naming `reason` when declining without one.
    Side effects: the clinic's status; one clinic log entry (clinic_edited, details: decision and reason)."""
    if not can_moderate(by):
        raise ApplicationError("Only moderators decide suggested clinics.", status=403, code="forbidden")
    problems: list[FieldProblem] = []
    clean_reason = ""
    if reason or not accept:
        clean_reason = _clean(reason, field="reason", max_length=REASON_MAX, problems=problems)
    if problems:
        raise ApplicationError.for_fields(problems)
    with transaction.atomic():
        locked = Clinic.objects.select_for_update().get(pk=clinic.pk)
        if locked.status != ClinicStatus.SUGGESTED:
            raise ApplicationError(
                "This clinic is no longer waiting for a decision.", status=409, code="already_decided"
            )
        locked.status = ClinicStatus.LISTED if accept else ClinicStatus.DECLINED
        locked.save(update_fields=["status", "updated_at"])
        clinic_log_add(
            clinic=locked,
            actor=by,
            action=ClinicAction.CLINIC_EDITED,
            target=locked,
            details={"decision": "suggestion_accepted" if accept else "suggestion_declined", "reason": clean_reason},
        )
        if accept:
            guides_show_clinics_later()
        attribution_pages_changed(clinic_ids=[locked.pk])  # review cards name it, linked now or not at all
    clinic.status, clinic.updated_at = locked.status, locked.updated_at
    return clinic


def clinic_saved_by_moderator(*, clinic: Clinic, by: User, changed: list[str], created: bool) -> None:
    """Records a moderator's edit of a clinic made in the admin (the admin saves the row, this logs it).
    Side effects: one clinic log entry (clinic_edited) naming the changed fields; after commit, visitors'
    cached guide pages expire (they list the clinics offering each procedure)."""
    guides_show_clinics_later()
    clinic_log_add(
        clinic=clinic,
        actor=by,
        action=ClinicAction.CLINIC_EDITED,
        target=clinic,
        details={"created": created, "fields": sorted(changed)},
    )


def practitioner_saved_by_moderator(*, practitioner: Practitioner, by: User, changed: list[str], created: bool) -> None:
    """Records a moderator's edit of a practitioner in the log of each clinic they work at.
    Side effects: one clinic log entry per clinic (practitioner_added or practitioner_edited)."""
    action = ClinicAction.PRACTITIONER_ADDED if created else ClinicAction.PRACTITIONER_EDITED
    attribution_pages_changed(practitioner_ids=[practitioner.pk])
    if not created:  # the licence fields are read-only here; a new name or profession voids the badge too
        credentials_clear_on_change(
            practitioner=practitioner,
            before=LicenceFields.of(practitioner),
            clinic=None,
            by=by,
            profession_changed="profession" in changed,
            name_changed="name" in changed,
        )
    for clinic in practitioner.clinics.all():
        clinic_log_add(clinic=clinic, actor=by, action=action, target=practitioner, details={"fields": sorted(changed)})
