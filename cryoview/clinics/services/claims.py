"""Claims: a signed-in member asks to act for a listed clinic, with proof; a moderator approves or rejects.

Approved, the member is that clinic's staff (ClinicStaff.status approved: `permissions.is_staff_of`), and only of
that clinic. The proof is deleted once decided; its SHA-256, the checker, the date and the verdict stay on the row
and in the clinic log. The claimant gets an e-mail with the decision. A moderator can revoke staff at any time.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from cryoview.accounts.models import User
from cryoview.clinics.documents import Upload, document_delete_on_commit, document_discard, document_store
from cryoview.clinics.enums import ClinicAction, ClinicStatus, StaffStatus
from cryoview.clinics.models import Clinic, ClinicStaff
from cryoview.clinics.services.credentials import check_reason, clean_text, require_moderator
from cryoview.clinics.services.log import clinic_log_add
from cryoview.core.errors import ApplicationError, FieldProblem, NotFoundError

MAX_MESSAGE = 2000
ALREADY = "You already have a claim on this clinic that is waiting or approved."


def clinic_claim_send(
    *, clinic: Clinic, by: User, job_title: str, message: str, document: Upload | None
) -> ClinicStaff:
    """A member claims a listed clinic. Refused: 404 for a clinic that is not listed; 409 while their claim on it
    waits or stands; 422 naming the field for a missing job title or a document that is not a PDF/JPEG/PNG within
    10 MiB (nothing stored then). Side effects: the proof in the private store, a pending ClinicStaff row, one
    CLAIM_SENT entry in the clinic log (with the proof's SHA-256)."""
    if clinic.status != ClinicStatus.LISTED:
        raise NotFoundError("No such clinic.")
    problems: list[FieldProblem] = []
    job_title = clean_text(job_title, field="job_title", max_length=120, required=True, problems=problems)
    message = clean_text(message, field="message", max_length=MAX_MESSAGE, required=False, problems=problems)
    if problems:
        raise ApplicationError.for_fields(problems)
    if _open_claim(clinic=clinic, user=by):
        raise ApplicationError(ALREADY, status=409, code="conflict")
    stored = document_store(upload=document, field="document", folder="claims")
    try:
        with transaction.atomic():
            claim = ClinicStaff.objects.create(
                clinic=clinic,
                user=by,
                job_title=job_title,
                message=message,
                proof_name=stored.name,
                proof_sha256=stored.sha256,
            )
            clinic_log_add(
                clinic=clinic,
                actor=by,
                action=ClinicAction.CLAIM_SENT,
                target=claim,
                details={"sha256": stored.sha256, "kind": stored.kind},
            )
    except IntegrityError:
        document_discard(stored.name)
        raise ApplicationError(ALREADY, status=409, code="conflict") from None
    except BaseException:
        document_discard(stored.name)
        raise
    return claim


def _open_claim(*, clinic: Clinic, user: User) -> bool:
    return ClinicStaff.objects.filter(
        clinic=clinic, user=user, status__in=[StaffStatus.PENDING, StaffStatus.APPROVED]
    ).exists()


def clinic_claim_decide(*, claim: ClinicStaff, by: User, approve: bool, reason: str = "") -> ClinicStaff:
    """A moderator approves (the claimant becomes staff of that clinic) or rejects (a reason is required) a
    pending claim. 403 for anyone but a moderator, 409 when already decided. Side effects: the claim's verdict,
    checker and date; the proof deleted after the commit (its hash stays); CLAIM_APPROVED or CLAIM_REJECTED in
    the clinic log; an e-mail to the claimant after the commit."""
    require_moderator(by)
    reason = check_reason(reason=reason, required=not approve)
    with transaction.atomic():
        claim = ClinicStaff.objects.select_for_update().select_related("clinic", "user").get(pk=claim.pk)
        if claim.status != StaffStatus.PENDING:
            raise ApplicationError("This claim was already decided.", status=409, code="conflict")
        name = claim.proof_name
        claim.status = StaffStatus.APPROVED if approve else StaffStatus.REJECTED
        claim.decided_by, claim.decided_by_name, claim.decided_at = by, by.public_name, timezone.now()
        claim.reason, claim.proof_name = reason, ""
        claim.save()
        clinic_log_add(
            clinic=claim.clinic,
            actor=by,
            action=ClinicAction.CLAIM_APPROVED if approve else ClinicAction.CLAIM_REJECTED,
            target=claim,
            details={
                "claimant": claim.user.public_name,
                "sha256": claim.proof_sha256,
                "verdict": claim.status,
                "checker": by.public_name,
                "decided_at": claim.decided_at.isoformat(),
            },
        )
        document_delete_on_commit(name)
        _mail_claimant(claim)
    return claim


def _mail_claimant(claim: ClinicStaff) -> None:
    context = {"claim": claim, "clinic": claim.clinic, "user": claim.user, "site": settings.CONFIG.site_url}
    template = "approved" if claim.status == StaffStatus.APPROVED else "rejected"
    subject = settings.EMAIL_SUBJECT_PREFIX + render_to_string(
        f"clinics/email/claim_{template}_subject.txt", context
    ).strip().replace("\n", " ")
    body = render_to_string(f"clinics/email/claim_{template}.txt", context)
    email = claim.user.email
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email]))


def clinic_staff_revoke(*, staff: ClinicStaff, by: User, reason: str) -> ClinicStaff:
    """A moderator ends someone's staff access to a clinic (a reason is required; they may claim again).
    Side effects: the row's status revoked, one STAFF_REVOKED entry in the clinic log."""
    require_moderator(by)
    reason = check_reason(reason=reason, required=True)
    with transaction.atomic():
        staff = ClinicStaff.objects.select_for_update().select_related("clinic", "user").get(pk=staff.pk)
        if staff.status != StaffStatus.APPROVED:
            raise ApplicationError("Only approved staff can be revoked.", status=409, code="conflict")
        staff.status, staff.reason = StaffStatus.REVOKED, reason
        staff.save(update_fields=["status", "reason"])
        clinic_log_add(
            clinic=staff.clinic,
            actor=by,
            action=ClinicAction.STAFF_REVOKED,
            target=staff,
            details={"staff": staff.user.public_name, "reason": reason},
        )
    return staff
