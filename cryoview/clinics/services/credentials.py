"""Credential checks: clinic staff send a practitioner's licence and a document; a moderator checks it.

The badge is `Practitioner.credentials_checked_on`: "credentials checked on <date>", never a grade. It goes by
itself when the licence expires (`credentials_expire`, run daily by the clinics' maintenance) and whenever the
licence fields (number, issuing body, country, expiry) or the profession change (`credentials_clear_on_change`,
called by every service that changes them). The document is deleted once decided; its SHA-256, the checker, the
date and the verdict stay on the check and in the clinic log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from cryoview.accounts.models import User
from cryoview.clinics.documents import Upload, document_delete_on_commit, document_discard, document_store
from cryoview.clinics.enums import ClinicAction, Verdict
from cryoview.clinics.models import Clinic, CredentialCheck, Practitioner
from cryoview.clinics.permissions import is_staff_of
from cryoview.clinics.services.log import clinic_log_add
from cryoview.clinics.services.pages import attribution_pages_changed
from cryoview.core.errors import ApplicationError, FieldProblem, NotFoundError
from cryoview.core.validation import CONTROL
from cryoview.moderation.permissions import can_moderate

MAX_REASON = 2000
COUNTRY = re.compile(r"[A-Z]{2}", re.ASCII)


def clean_text(value: str, *, field: str, max_length: int, required: bool, problems: list[FieldProblem]) -> str:
    """Trimmed text a database can store, within its length; problems are appended, naming the field."""
    text = (value or "").strip()
    if CONTROL.search(text):
        problems.append(FieldProblem(field, "must not contain control characters, NUL bytes or lone surrogates"))
    elif required and not text:
        problems.append(FieldProblem(field, "is required"))
    elif len(text) > max_length:
        problems.append(FieldProblem(field, f"must be at most {max_length} characters"))
    return text


def clean_country(value: str, *, field: str, required: bool, problems: list[FieldProblem]) -> str:
    code = (value or "").strip().upper()
    if (code or required) and not COUNTRY.fullmatch(code):
        problems.append(FieldProblem(field, "must be a two-letter ISO 3166-1 code, e.g. DE"))
    return code


@dataclass(frozen=True)
class LicenceFields:
    licence_number: str
    issuing_body: str
    country: str
    licence_expires_on: date | None

    @classmethod
    def of(cls, row: Practitioner | CredentialCheck) -> LicenceFields:
        return cls(row.licence_number, row.issuing_body, row.country, row.licence_expires_on)

    def differences(self, other: LicenceFields) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name) != getattr(other, f.name)]


def require_moderator(by: User) -> None:
    if not can_moderate(by):
        raise ApplicationError("Only moderators can decide.", status=403, code="forbidden")


def check_reason(*, reason: str, required: bool) -> str:
    reason = (reason or "").strip()
    problem = None
    if CONTROL.search(reason):
        problem = "must not contain control characters or NUL bytes"
    elif required and not reason:
        problem = "is required to refuse: the person who sent it sees it"
    elif len(reason) > MAX_REASON:
        problem = f"must be at most {MAX_REASON} characters"
    if problem:
        raise ApplicationError.for_fields([FieldProblem("reason", problem)])
    return reason


def _licence_clean(licence: LicenceFields) -> LicenceFields:
    problems: list[FieldProblem] = []
    clean = LicenceFields(
        licence_number=clean_text(
            licence.licence_number, field="licence_number", max_length=60, required=True, problems=problems
        ),
        issuing_body=clean_text(
            licence.issuing_body, field="issuing_body", max_length=160, required=True, problems=problems
        ),
        country=clean_country(licence.country, field="country", required=True, problems=problems),
        licence_expires_on=licence.licence_expires_on,
    )
    if clean.licence_expires_on is not None and clean.licence_expires_on < timezone.localdate():
        problems.append(FieldProblem("licence_expires_on", "has passed: an expired licence cannot be checked"))
    if problems:
        raise ApplicationError.for_fields(problems)
    return clean


def credential_check_send(
    *, clinic: Clinic, practitioner: Practitioner, by: User, licence: LicenceFields, document: Upload | None
) -> CredentialCheck:
    """Clinic staff send a practitioner's licence for checking, with a document that shows it. The licence fields
    become the practitioner's (which clears an earlier badge if they differ). Refused (422 naming the field) for
    an expired licence, missing fields or a document that is not a PDF/JPEG/PNG within 10 MiB; 409 while another
    check of this practitioner waits; 404 for staff of another clinic. Side effects: a document in the private
    store, the check row, the practitioner's licence fields, CREDENTIALS_SENT (and maybe CREDENTIALS_CLEARED)."""
    if not is_staff_of(by, clinic) or not clinic.practitioners.filter(pk=practitioner.pk).exists():
        raise NotFoundError("No such practitioner at this clinic.")
    clean = _licence_clean(licence)
    if CredentialCheck.objects.filter(practitioner=practitioner, status=Verdict.PENDING).exists():
        raise ApplicationError(
            "A check of this practitioner already waits for a moderator.", status=409, code="conflict"
        )
    stored = document_store(upload=document, field="document", folder="credentials")
    try:
        with transaction.atomic():
            check = CredentialCheck.objects.create(
                practitioner=practitioner,
                clinic=clinic,
                submitted_by=by,
                document_name=stored.name,
                document_sha256=stored.sha256,
                **{f.name: getattr(clean, f.name) for f in fields(LicenceFields)},
            )
            _licence_set(practitioner=practitioner, licence=clean, clinic=clinic, by=by)
            clinic_log_add(
                clinic=clinic,
                actor=by,
                action=ClinicAction.CREDENTIALS_SENT,
                target=check,
                details={"practitioner": practitioner.pk, "sha256": stored.sha256, "kind": stored.kind},
            )
    except IntegrityError:
        document_discard(stored.name)
        raise ApplicationError(
            "A check of this practitioner already waits for a moderator.", status=409, code="conflict"
        ) from None
    except BaseException:
        document_discard(stored.name)
        raise
    return check


def _licence_set(*, practitioner: Practitioner, licence: LicenceFields, clinic: Clinic, by: User) -> None:
    before = LicenceFields.of(practitioner)
    if not before.differences(licence):
        return
    for f in fields(LicenceFields):
        setattr(practitioner, f.name, getattr(licence, f.name))
    practitioner.save(update_fields=[*(f.name for f in fields(LicenceFields)), "updated_at"])
    credentials_clear_on_change(practitioner=practitioner, before=before, clinic=clinic, by=by)


def credentials_clear_on_change(
    *,
    practitioner: Practitioner,
    before: LicenceFields,
    clinic: Clinic | None,
    by: User | None,
    profession_changed: bool = False,
    name_changed: bool = False,
) -> bool:
    """Call after saving a practitioner whose licence fields (or profession) may have changed: a badge checked
    against the old ones no longer holds. Side effects: credentials_checked_on cleared, one CREDENTIALS_CLEARED
    entry in the log of `clinic` (or of each clinic the practitioner works at). Returns whether it cleared."""
    # The badge vouches for a named person with a profession and a licence: a change of any of them voids it
    # (a checked practitioner renamed to someone else must not carry the check over).
    changed = before.differences(LicenceFields.of(practitioner))
    changed += (["profession"] if profession_changed else []) + (["name"] if name_changed else [])
    if not changed or practitioner.credentials_checked_on is None:
        return False
    Practitioner.objects.filter(pk=practitioner.pk).update(credentials_checked_on=None)
    practitioner.credentials_checked_on = None
    attribution_pages_changed(practitioner_ids=[practitioner.pk])
    for where in [clinic] if clinic is not None else list(practitioner.clinics.all()):
        clinic_log_add(
            clinic=where,
            actor=by,
            action=ClinicAction.CREDENTIALS_CLEARED,
            target=practitioner,
            details={"fields": changed},
        )
    return True


def credential_check_decide(*, check: CredentialCheck, by: User, accept: bool, reason: str = "") -> CredentialCheck:
    """A moderator's verdict on a pending check. Accepting sets the badge (credentials_checked_on = today) and is
    refused (409) when the licence has expired since or the practitioner's licence fields no longer match the
    ones checked. Side effects: the check's verdict, checker and date; the document deleted after the commit
    (its hash stays); CREDENTIALS_ACCEPTED or CREDENTIALS_REJECTED in the clinic log."""
    require_moderator(by)
    reason = check_reason(reason=reason, required=not accept)
    with transaction.atomic():
        check = (
            CredentialCheck.objects.select_for_update(of=("self", "practitioner"))
            .select_related("practitioner", "clinic")
            .get(pk=check.pk)
        )
        if check.status != Verdict.PENDING:
            raise ApplicationError("This check was already decided.", status=409, code="conflict")
        practitioner = check.practitioner
        if accept:
            if check.licence_expires_on is not None and check.licence_expires_on < timezone.localdate():
                raise ApplicationError("The licence has expired: it cannot be accepted.", status=409, code="expired")
            if LicenceFields.of(practitioner).differences(LicenceFields.of(check)):
                raise ApplicationError(
                    "The practitioner's licence details changed after this was sent: refuse it and ask for a new one.",
                    status=409,
                    code="conflict",
                )
        name = check.document_name
        check.status = Verdict.ACCEPTED if accept else Verdict.REJECTED
        check.decided_by, check.decided_by_name, check.decided_at = by, by.public_name, timezone.now()
        check.reason, check.document_name = reason, ""
        check.save()
        if accept:
            practitioner.credentials_checked_on = timezone.localdate()
            practitioner.save(update_fields=["credentials_checked_on", "updated_at"])
            attribution_pages_changed(practitioner_ids=[practitioner.pk])
        if check.clinic is not None:
            clinic_log_add(
                clinic=check.clinic,
                actor=by,
                action=ClinicAction.CREDENTIALS_ACCEPTED if accept else ClinicAction.CREDENTIALS_REJECTED,
                target=check,
                details={
                    "practitioner": practitioner.pk,
                    "sha256": check.document_sha256,
                    "verdict": check.status,
                    "checker": by.public_name,
                    "decided_at": check.decided_at.isoformat(),
                    "reason": reason,  # the clinic sees why a check was refused, in its log
                },
            )
        document_delete_on_commit(name)
    return check


def credentials_expire(*, today: date | None = None) -> int:
    """The daily task: a badge whose licence has expired goes. Side effects: credentials_checked_on cleared and
    one CREDENTIALS_EXPIRED entry in the log of each clinic the practitioner works at. Returns how many."""
    today = today or timezone.localdate()
    expired = list(
        Practitioner.objects.filter(
            credentials_checked_on__isnull=False, licence_expires_on__lt=today
        ).prefetch_related("clinics")
    )
    cleared = 0
    for practitioner in expired:
        with transaction.atomic():
            if not Practitioner.objects.filter(pk=practitioner.pk, credentials_checked_on__isnull=False).update(
                credentials_checked_on=None
            ):
                continue  # another worker got there first
            cleared += 1
            attribution_pages_changed(practitioner_ids=[practitioner.pk])
            for clinic in practitioner.clinics.all():
                clinic_log_add(
                    clinic=clinic,
                    actor=None,
                    action=ClinicAction.CREDENTIALS_EXPIRED,
                    target=practitioner,
                    details={
                        "expired_on": practitioner.licence_expires_on.isoformat()
                        if practitioner.licence_expires_on
                        else ""
                    },
                )
    return cleared
