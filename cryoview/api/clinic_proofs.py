"""Proofs of treatment over the API: the same services as the author's page and the moderators' queue. The review's
author sends the document as multipart/form-data (field `document`); anyone else gets 404, as if the review did not
exist. Moderators list the waiting proofs and decide; anyone else deciding or listing gets 403, as in the other
checks. A decided proof keeps only its SHA-256, the verdict, the date and the reason."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, File, Path, Router, Schema, Status, UploadedFile

from cryoview.api.clinic_staff import require_moderator
from cryoview.api.videos import require_user
from cryoview.clinics.models import TreatmentProof
from cryoview.clinics.selectors.proofs import proof_get, proofs_pending, review_for_proof
from cryoview.clinics.services.proofs import proof_decide, proof_send
from cryoview.core.errors import NotFoundError
from cryoview.core.parsing import BIGINT_MAX

# An id in the path: a positive bigint (a larger number is a 422, not a database error).
ID = Path(..., ge=1, le=BIGINT_MAX)  # type: ignore[type-arg]

router = Router(tags=["proofs of treatment"])


class ProofOut(Schema):
    id: int
    review_id: int
    document_sha256: str
    status: str = Field(description="pending, accepted, rejected or withdrawn")
    reason: str
    created_at: dt.datetime
    decided_at: dt.datetime | None


class ProofQueueOut(ProofOut):
    review_title: str
    procedure: str = Field(description="the guide's slug")
    clinic: str | None = Field(description="the slug of the clinic the review names")


def proof_out(proof: TreatmentProof) -> ProofOut:
    return ProofOut(
        id=proof.pk,
        review_id=proof.review_id,
        document_sha256=proof.document_sha256,
        status=proof.status,
        reason=proof.reason,
        created_at=proof.created_at,
        decided_at=proof.decided_at,
    )


def proof_queue_out(proof: TreatmentProof) -> ProofQueueOut:
    attribution = getattr(proof.review, "attribution", None)
    clinic = attribution.clinic if attribution is not None else None
    return ProofQueueOut(
        **proof_out(proof).dict(),
        review_title=proof.review.title,
        procedure=proof.review.procedure.slug,
        clinic=clinic.slug if clinic is not None else None,
    )


class ProofDecisionIn(Schema):
    decision: Literal["accept", "reject"] = Field(description="accept (the review becomes Verified) or reject")
    reason: str = Field(default="", max_length=2000, description="required to reject: the reviewer gets it by e-mail")


@router.post(
    "/reviews/{review_id}/proof",
    response={201: ProofOut},
    summary="Send a proof of treatment for one's own review (multipart, field document)",
)
def proof_create(request: HttpRequest, document: File[UploadedFile], review_id: int = ID) -> Status[ProofOut]:
    user = require_user(request)
    review = review_for_proof(review_id=review_id, user=user)
    if review is None:
        raise NotFoundError("No such review.")
    return Status(201, proof_out(proof_send(review=review, by=user, document=document)))


@router.get("/clinics/checks/proofs", response=list[ProofQueueOut], summary="Proofs of treatment waiting (moderators)")
def proofs_queue(request: HttpRequest) -> list[ProofQueueOut]:
    require_moderator(request)
    return [proof_queue_out(p) for p in proofs_pending()]


@router.post(
    "/clinics/checks/proofs/{proof_id}/decision", response=ProofOut, summary="Accept or reject a proof of treatment"
)
def proof_decision(request: HttpRequest, payload: ProofDecisionIn, proof_id: int = ID) -> ProofOut:
    user = require_moderator(request)
    proof = proof_get(proof_id=proof_id)
    if proof is None:
        raise NotFoundError("No such proof.")
    proof = proof_decide(proof=proof, by=user, accept=payload.decision == "accept", reason=payload.reason)
    return proof_out(proof)
