"""Proofs of treatment: a review's author sends a receipt or appointment letter; a moderator checks it; accepted,
the review's label becomes Verified (it outranks Invited; the invitation link stays on the attribution).

A proof is health data: the document lives in the private store only until the decision (or until the author
withdraws the review, or the review's clinic changes); then the file goes and only its SHA-256, the checker, the
date, the verdict and the reason stay on the TreatmentProof row, which is the decision's record. The application
log gets the verdict and the hash, never the document or its name. A refused author is e-mailed the reason.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from cryoview.accounts.models import User
from cryoview.clinics.documents import Upload, document_delete_on_commit, document_discard, document_store
from cryoview.clinics.enums import ClinicStatus, ReviewLabel, Verdict
from cryoview.clinics.models import ReviewAttribution, TreatmentProof
from cryoview.clinics.services.credentials import check_reason, require_moderator
from cryoview.core.errors import ApplicationError, NotFoundError
from cryoview.core.pagecache import bump
from cryoview.core.visibility import ItemId, Kind
from cryoview.procedures.selectors import procedure_scope
from cryoview.reviews.enums import ReviewStatus
from cryoview.reviews.models import Review
from cryoview.reviews.permissions import can_edit_review
from cryoview.reviews.stats import stats_refresh_later

logger = logging.getLogger(__name__)
ALREADY_PENDING = "A proof of treatment for this review already waits for a moderator."
NO_CLINIC = "Choose the clinic of your review from the directory first: the proof shows you were treated there."


def proof_clinic_of(review: Review) -> ReviewAttribution | None:
    """The review's attribution when it names a clinic a proof can be checked against (listed or suggested)."""
    row = ReviewAttribution.objects.filter(review=review).select_related("clinic").first()
    if row is None or row.clinic is None or row.clinic.status == ClinicStatus.DECLINED:
        return None
    return row


def proof_send(*, review: Review, by: User, document: Upload | None) -> TreatmentProof:
    """The review's author sends a proof of treatment. Refused: 404 for anyone but the author (clinic staff and
    moderators included) and for a withdrawn review; 409 when the review names no clinic, is already Verified,
    or has a proof waiting; 422/413 naming `document` for a file that is not a PDF/JPEG/PNG within 10 MiB
    (nothing stored then). Side effects: the document in the private store, a pending TreatmentProof row."""
    if not can_edit_review(by, review):
        raise NotFoundError("No such review.")
    row = proof_clinic_of(review)
    if row is None:
        raise ApplicationError(NO_CLINIC, status=409, code="no_clinic")
    if row.label == ReviewLabel.VERIFIED:
        raise ApplicationError("This review is already Verified.", status=409, code="conflict")
    if TreatmentProof.objects.filter(review=review, status=Verdict.PENDING).exists():
        raise ApplicationError(ALREADY_PENDING, status=409, code="conflict")
    stored = document_store(upload=document, field="document", folder="proofs")
    try:
        with transaction.atomic():
            proof = TreatmentProof.objects.create(
                review=review, document_name=stored.name, document_sha256=stored.sha256
            )
    except IntegrityError:
        document_discard(stored.name)
        raise ApplicationError(ALREADY_PENDING, status=409, code="conflict") from None
    except BaseException:
        document_discard(stored.name)
        raise
    return proof


def proof_decide(*, proof: TreatmentProof, by: User, accept: bool, reason: str = "") -> TreatmentProof:
    """A moderator's verdict on a pending proof (the one door: the row is locked, so a second decision, racing or
    late, gets 409). Accepting is refused (409) when the review no longer names a clinic; rejecting needs a
    reason (422 naming `reason`); 403 for anyone but a moderator. Side effects: the proof's verdict, checker,
    date and reason; the document deleted after the commit (its hash stays); on acceptance the attribution's
    label becomes Verified and the guide's cached pages expire; on rejection an e-mail to the author after the
    commit; one line in the application log (verdict and hash)."""
    require_moderator(by)
    reason = check_reason(reason=reason, required=not accept)
    with transaction.atomic():
        proof = TreatmentProof.objects.select_for_update(of=("self",)).select_related("review").get(pk=proof.pk)
        if proof.status != Verdict.PENDING:
            raise ApplicationError("This proof was already decided.", status=409, code="conflict")
        review = proof.review
        if accept:
            _label_verified(review)
        name = proof.document_name
        proof.status = Verdict.ACCEPTED if accept else Verdict.REJECTED
        proof.decided_by, proof.decided_by_name, proof.decided_at = by, by.public_name, timezone.now()
        proof.reason, proof.document_name = reason, ""
        proof.save()
        document_delete_on_commit(name)
        if not accept:
            _mail_author(proof, review)
        logger.info(
            "proof of treatment %s (review %s): %s by moderator %s, sha256 %s",
            proof.pk,
            review.pk,
            proof.status,
            by.pk,
            proof.document_sha256,
        )
    return proof


def _label_verified(review: Review) -> None:
    row = (
        ReviewAttribution.objects.select_for_update(of=("self",)).select_related("clinic").filter(review=review).first()
    )
    if row is None or row.clinic is None or row.clinic.status == ClinicStatus.DECLINED:
        raise ApplicationError("The review no longer names a clinic: refuse the proof.", status=409, code="no_clinic")
    row.label = ReviewLabel.VERIFIED  # the invitation, if any, stays linked: Verified outranks Invited
    row.save(update_fields=["label", "updated_at"])
    if review.is_published:
        # The guide's numbers count each label: recounted after commit (its cached pages expire then too).
        stats_refresh_later(procedure=review.procedure)
    else:
        slug = review.procedure.slug
        transaction.on_commit(lambda: bump(procedure_scope(slug)))


def _mail_author(proof: TreatmentProof, review: Review) -> None:
    author = review.author
    context = {"proof": proof, "review": review, "user": author, "site": settings.CONFIG.site_url}
    subject = settings.EMAIL_SUBJECT_PREFIX + render_to_string(
        "clinics/email/proof_rejected_subject.txt", context
    ).strip().replace("\n", " ")
    body = render_to_string("clinics/email/proof_rejected.txt", context)
    email = author.email
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email]))


def proofs_withdraw(*, review_id: int) -> int:
    """A review's waiting proofs no longer apply (the review was withdrawn, or now names another clinic): they
    become withdrawn and their documents are deleted after the commit. Call it inside the change's transaction.
    Returns how many."""
    withdrawn = 0
    for proof in TreatmentProof.objects.select_for_update().filter(review_id=review_id, status=Verdict.PENDING):
        name = proof.document_name
        proof.status, proof.document_name = Verdict.WITHDRAWN, ""
        proof.save(update_fields=["status", "document_name"])
        document_delete_on_commit(name)
        withdrawn += 1
    return withdrawn


def proofs_withdraw_of(*, user: User) -> int:
    """Before an account is deleted: the waiting proofs of its reviews are withdrawn and their documents deleted
    after the commit (without this the rows go with the reviews and the documents' sweep deletes the files after
    the orphan grace period). Returns how many."""
    review_ids = TreatmentProof.objects.filter(review__author=user, status=Verdict.PENDING).values_list(
        "review_id", flat=True
    )
    return sum(proofs_withdraw(review_id=review_id) for review_id in set(review_ids))


def proofs_on_review_change(kind: Kind, pk: ItemId) -> None:
    """A visibility listener (registered in ClinicsConfig.ready): a review withdrawn by its author takes its
    waiting proof of treatment, and the document, with it. One query for any other change of a review."""
    if kind != "review" or not isinstance(pk, int | str):
        return
    waiting = TreatmentProof.objects.filter(review_id=pk, status=Verdict.PENDING, review__status=ReviewStatus.WITHDRAWN)
    if waiting.exists():
        proofs_withdraw(review_id=int(pk))
