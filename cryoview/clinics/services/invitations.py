"""Invitations: single-use links a clinic's approved staff send to patients, with a fixed and neutral text.

Only digests are stored: SHA-256 of the token (the link is shown once, or mailed once) and of the normalised
e-mail address (to refuse a second invitation to the same person within the validity period; never to mail).
Every patient gets the same words, which the clinic cannot edit: no incentive, no "if you were happy" (review
gating). Each clinic's page counts how many it sent and how many became reviews, so gating would show.

A review written from an invitation is labelled Invited: `invitation_redeem` runs inside the review's own
transaction (as a review extra's write does), locks the invitation's row and marks it used, so two reviews can
never come from one link.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from cryoview.accounts.models import User
from cryoview.clinics.enums import ClinicAction, ReviewLabel
from cryoview.clinics.models import Clinic, Invitation, ReviewAttribution
from cryoview.clinics.permissions import is_staff_of
from cryoview.clinics.selectors.invitations import invitation_problem, token_digest
from cryoview.clinics.services.log import clinic_log_add
from cryoview.clinics.services.staff import require_staff
from cryoview.core.errors import ApplicationError, FieldProblem, NotFoundError
from cryoview.procedures.models import Procedure
from cryoview.reviews.models import Review

INVITATION_DAYS = 60  # how long a link stays valid, and how long an address cannot be invited again
LINKS_MAX = 50  # links created at once without addresses (the API's `count`)
TEMPLATE_BODY = "clinics/email/invitation.txt"
TEMPLATE_SUBJECT = "clinics/email/invitation_subject.txt"

logger = logging.getLogger(__name__)


def email_normalise(address: str) -> str:
    """The form an address is compared in: without surrounding blanks, in lower case."""
    return address.strip().lower()


def email_digest(address: str) -> str:
    return hashlib.sha256(email_normalise(address).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CreatedInvitations:
    """A batch just created. `links` holds each invitation with its token: the only moment the token exists."""

    batch: uuid.UUID
    links: list[tuple[Invitation, str]]

    @property
    def count(self) -> int:
        return len(self.links)


def _check_procedure(clinic: Clinic, procedure: Procedure | None) -> None:
    if procedure is not None and not clinic.procedures.filter(pk=procedure.pk).exists():
        raise ApplicationError.for_fields([FieldProblem("procedure", "must be one of the clinic's procedures")])


def _create(
    *, clinic: Clinic, by: User, procedure: Procedure | None, digests: list[str]
) -> tuple[uuid.UUID, list[tuple[Invitation, str]]]:
    batch, expires = uuid.uuid4(), timezone.now() + timedelta(days=INVITATION_DAYS)
    links: list[tuple[Invitation, str]] = []
    for digest in digests:
        token = secrets.token_urlsafe(32)
        invitation = Invitation(
            clinic=clinic,
            procedure=procedure,
            created_by=by,
            batch=batch,
            token_digest=token_digest(token),
            email_digest=digest,
            expires_at=expires,
        )
        links.append((invitation, token))
    Invitation.objects.bulk_create([invitation for invitation, _ in links])
    clinic_log_add(
        clinic=clinic,
        actor=by,
        action=ClinicAction.INVITATIONS_SENT,
        details={"count": len(links), "batch": str(batch), "by_email": bool(digests and digests[0])},
    )
    return batch, links


def invitation_links_create(
    *, clinic: Clinic, by: User, count: int = 1, procedure: Procedure | None = None
) -> CreatedInvitations:
    """Links to hand out (shown once, to copy). Side effects: `count` Invitation rows in one batch, one
    INVITATIONS_SENT entry in the clinic log. Raises 404 for anyone but the clinic's approved staff, 422 naming
    `count` (1 to LINKS_MAX) or `procedure` (not one of the clinic's)."""
    require_staff(by=by, clinic=clinic)
    if not 1 <= count <= LINKS_MAX:
        raise ApplicationError.for_fields([FieldProblem("count", f"must be between 1 and {LINKS_MAX}")])
    _check_procedure(clinic, procedure)
    with transaction.atomic():
        batch, links = _create(clinic=clinic, by=by, procedure=procedure, digests=[""] * count)
    return CreatedInvitations(batch=batch, links=links)


def invited_recently(*, clinic: Clinic, digests: list[str]) -> set[str]:
    """The digests of addresses this clinic invited within the validity period (an unrevoked invitation that has
    not expired yet, used or not)."""
    return set(
        Invitation.objects.filter(
            clinic=clinic, email_digest__in=digests, expires_at__gt=timezone.now(), revoked_at__isnull=True
        ).values_list("email_digest", flat=True)
    )


@dataclass(frozen=True)
class Address:
    """An address to invite, with the line of the file it came from (0 when it did not come from a file)."""

    email: str
    line: int = 0


def _where(address: Address, index: int) -> str:
    return f"line {address.line}" if address.line else f"address {index + 1}"


def invitations_send(
    *, clinic: Clinic, by: User, addresses: list[Address], procedure: Procedure | None = None, field: str = "emails"
) -> CreatedInvitations:
    """One invitation per address, each mailed once with the fixed text. All or nothing: an address invited by
    this clinic within INVITATION_DAYS, or twice in the list, refuses the whole batch (a 422 naming `field` with
    each line). Addresses must already be valid (invitations_csv_parse, or the API's schema). Side effects: the
    Invitation rows (only digests), one INVITATIONS_SENT entry in the clinic log, one e-mail per address after
    the commit. When the mail server fails, the batch is revoked (not counted, blocks no retry) and this raises
    ApplicationError 503 `mail_failed` (when called inside an outer transaction, the mails go after its commit
    and a failure only revokes)."""
    require_staff(by=by, clinic=clinic)
    _check_procedure(clinic, procedure)
    if not addresses:
        raise ApplicationError.for_fields([FieldProblem(field, "holds no address")])
    digests = [email_digest(a.email) for a in addresses]
    problems: list[FieldProblem] = []
    first: dict[str, int] = {}
    for index, (address, digest) in enumerate(zip(addresses, digests, strict=True)):
        if digest in first:
            earlier = _where(addresses[first[digest]], first[digest])
            problems.append(FieldProblem(field, f"{_where(address, index)}: {address.email} is also on {earlier}"))
        else:
            first[digest] = index
    failed: list[Exception] = []
    with transaction.atomic():
        # The clinic's row is locked before the check: two batches sent at the same moment check and create one
        # after the other, so one address cannot be invited twice.
        Clinic.objects.select_for_update().filter(pk=clinic.pk).first()
        for digest in invited_recently(clinic=clinic, digests=list(first)):
            index = first[digest]
            problems.append(
                FieldProblem(
                    field,
                    f"{_where(addresses[index], index)}: {addresses[index].email} was invited by the clinic less "
                    f"than {INVITATION_DAYS} days ago",
                )
            )
        if problems:
            raise ApplicationError.for_fields(sorted(problems, key=lambda p: p.message))
        batch, links = _create(clinic=clinic, by=by, procedure=procedure, digests=digests)
        mails = [
            (*invitation_mail_text(clinic=clinic, token=token), settings.DEFAULT_FROM_EMAIL, [email_normalise(a.email)])
            for (_, token), a in zip(links, addresses, strict=True)
        ]
        # One connection for the whole batch (up to 500 messages), once the rows are committed.
        transaction.on_commit(lambda: _mail_batch(clinic=clinic, by=by, batch=batch, mails=mails, failed=failed))
    if failed:
        raise ApplicationError(
            "The mail server refused the invitations, so none of them counts as sent and none of their links "
            "works (any e-mail that went out before the failure has a dead link). Nothing blocks sending the same "
            "file again; try again later.",
            503,
            "mail_failed",
        )
    return CreatedInvitations(batch=batch, links=links)


def _mail_batch(
    *, clinic: Clinic, by: User, batch: uuid.UUID, mails: list[tuple[str, str, str, list[str]]], failed: list[Exception]
) -> None:
    """Send a committed batch's e-mails. When the mail server fails, the batch is revoked as of its creation
    (`revoked_at = created_at`: not counted as sent, and no block on inviting these addresses again) in its own
    transaction, and the failure is added to `failed` for the caller to tell the user."""
    try:
        send_mass_mail(tuple(mails))
    except Exception as error:
        logger.warning("invitation batch %s: the mail server failed (%s); the batch is revoked", batch, error)
        with transaction.atomic():
            Invitation.objects.filter(batch=batch, used_at__isnull=True).update(revoked_at=F("created_at"))
            clinic_log_add(
                clinic=clinic,
                actor=by,
                action=ClinicAction.INVITATION_REVOKED,
                details={"batch": str(batch), "reason": "mail_failed"},
            )
        failed.append(error)


def invitation_mail_text(*, clinic: Clinic, token: str) -> tuple[str, str]:
    """(subject, body) of the invitation: the same words for every patient and every clinic but its name."""
    path = f"/clinics/invitations/{token}/"
    context = {"clinic": clinic, "link": settings.CONFIG.site_url + path, "days": INVITATION_DAYS}
    subject = render_to_string(TEMPLATE_SUBJECT, context).strip().replace("\n", " ")
    return settings.EMAIL_SUBJECT_PREFIX + subject, render_to_string(TEMPLATE_BODY, context)


def invitation_revoke(*, invitation: Invitation, by: User) -> Invitation:
    """Staff withdraw an unused invitation; its link stops working. Side effects: revoked_at, one
    INVITATION_REVOKED entry in the clinic log. 404 for anyone but the clinic's staff; 409 once used or revoked."""
    require_staff(by=by, clinic=invitation.clinic)
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.used_at is not None:
            raise ApplicationError("This invitation has become a review; it can no longer be revoked.", 409, "used")
        if locked.revoked_at is not None:
            raise ApplicationError("This invitation is already revoked.", 409, "revoked")
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        clinic_log_add(
            clinic=invitation.clinic,
            actor=by,
            action=ClinicAction.INVITATION_REVOKED,
            target=locked,
            details={"batch": str(locked.batch)},
        )
    return locked


def invitation_redeem(*, token: str, review: Review, by: User) -> Invitation:
    """Mark the invitation used by this (new) review: call it inside the review's transaction. Locks the row, so a
    second use, even at the same moment, is refused. Side effects: used_at; the review's attribution gets the
    invitation's clinic, the invitation and the label Invited (unless already Verified). Raises 404 for an unknown
    token, 410 for a used, revoked or expired one, 403 for the clinic's own staff, 422 naming `clinic` when the
    review names another clinic."""
    row = Invitation.objects.select_for_update().filter(token_digest=token_digest(token)).first()
    if row is None:
        raise NotFoundError("This invitation link is not known.")
    problem = invitation_problem(row)
    if problem is not None:
        raise ApplicationError(problem.message, 410, problem.code)
    clinic = Clinic.objects.get(pk=row.clinic_id)
    if is_staff_of(by, clinic):
        raise ApplicationError("Staff of a clinic cannot review it from its own invitation.", 403, "own_clinic")
    attribution = ReviewAttribution.objects.select_for_update().filter(review=review).first()
    if attribution is None:
        attribution = ReviewAttribution(review=review)
    elif attribution.clinic_id not in (None, clinic.pk):
        raise ApplicationError.for_fields(
            [FieldProblem("clinic", f"must be {clinic.name}: the review is written from its invitation")]
        )
    if attribution.invitation_id is not None:
        raise ApplicationError("This review was already written from an invitation.", 409, "already_invited")
    row.used_at = timezone.now()
    row.save(update_fields=["used_at"])
    attribution.clinic, attribution.invitation = clinic, row
    if attribution.label != ReviewLabel.VERIFIED:
        attribution.label = ReviewLabel.INVITED
    attribution.save()
    return row


# --- the CSV of addresses ---------------------------------------------------------------------------------------

CSV_MAX_BYTES = 256 * 1024
CSV_MAX_ADDRESSES = 500
EMAIL_MAX = 254
PROBLEMS_SHOWN = 50  # a file with thousands of bad rows names the first ones and counts the rest
# The header of the column of addresses, as mailing tools export it: e-mail, Email, E-mail address, email_address.
HEADER = re.compile(r"e-?mail(?:[ _]address)?", re.IGNORECASE)


def address_problem(text: str) -> str | None:
    """Why this is not an address we can mail, or None."""
    if not text:
        return "is empty: put one address per row"
    if len(text) > EMAIL_MAX:
        return f"is longer than {EMAIL_MAX} characters"
    try:
        validate_email(text)
    except ValidationError:
        return "is not an e-mail address"
    return None


def _decode(data: bytes, field: str) -> str:
    if not data.strip():
        raise ApplicationError.for_fields([FieldProblem(field, "is empty: it holds no address")])
    if len(data) > CSV_MAX_BYTES:
        raise ApplicationError.for_fields(
            [
                FieldProblem(
                    field, f"is larger than {CSV_MAX_BYTES // 1024} KB: send {CSV_MAX_ADDRESSES} addresses at most"
                )
            ]
        )
    try:
        text = data.decode("utf-8-sig")  # a spreadsheet's byte-order mark is not part of the first address
    except UnicodeDecodeError as error:
        raise ApplicationError.for_fields(
            [FieldProblem(field, f"is not UTF-8 text (byte {error.start + 1}): save it as CSV UTF-8")]
        ) from None
    if "\x00" in text:
        raise ApplicationError.for_fields([FieldProblem(field, "is not a text file")])
    return text


def _rows(text: str, field: str) -> list[tuple[int, list[str]]]:
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    # Spreadsheets in many countries save "CSV" with semicolons: the header line says which one this file uses.
    delimiter = ";" if ";" in first and "," not in first else ","
    try:
        return [
            (number, [cell.strip() for cell in row])
            for number, row in enumerate(csv.reader(lines, delimiter=delimiter, strict=True), start=1)
            if any(cell.strip() for cell in row)
        ]
    except csv.Error as error:
        raise ApplicationError.for_fields([FieldProblem(field, f"is not a readable CSV file ({error})")]) from None


def invitations_csv_parse(*, data: bytes, field: str = "file") -> list[Address]:
    """The addresses of an uploaded CSV: one address per row, or a column named `e-mail` (other columns are
    ignored and never stored). Strict: every bad row is named with its line number, and one bad row refuses the
    file. Raises ApplicationError (422) naming `field`: empty, too large, not UTF-8, no email column, too many
    addresses, bad rows."""
    rows = _rows(_decode(data, field), field)
    if not rows:
        raise ApplicationError.for_fields([FieldProblem(field, "is empty: it holds no address")])
    header = rows[0][1]
    column = next((i for i, name in enumerate(header) if HEADER.fullmatch(name.strip())), None)
    if column is not None:
        rows = rows[1:]
    elif len(header) > 1:
        raise ApplicationError.for_fields(
            [FieldProblem(field, "line 1: put one address per row, or name the column of addresses “e-mail”")]
        )
    if not rows:
        raise ApplicationError.for_fields([FieldProblem(field, "is empty: it holds no address")])
    if len(rows) > CSV_MAX_ADDRESSES:
        raise ApplicationError.for_fields(
            [FieldProblem(field, f"holds {len(rows)} addresses: send at most {CSV_MAX_ADDRESSES} at once")]
        )
    problems: list[FieldProblem] = []
    addresses: list[Address] = []
    for number, cells in rows:
        if column is None and len(cells) != 1:
            problems.append(FieldProblem(field, f"line {number}: holds {len(cells)} cells: one address per row"))
            continue
        text = cells[column] if column is not None and column < len(cells) else (cells[0] if column is None else "")
        problem = address_problem(text)
        if problem is not None and text.count("@") > 1 and any(mark in text for mark in ";, "):
            problem = "holds several addresses: put one per row"
        if problem is not None:
            shown = f"“{text[:80]}” " if text else ""
            problems.append(FieldProblem(field, f"line {number}: {shown}{problem}"))
        else:
            addresses.append(Address(email=text, line=number))
    if problems:
        hidden = len(problems) - PROBLEMS_SHOWN
        shown_problems = problems[:PROBLEMS_SHOWN]
        if hidden > 0:
            shown_problems.append(FieldProblem(field, f"and {hidden} more rows with problems"))
        raise ApplicationError.for_fields(shown_problems)
    return addresses
