"""Reads for proofs of treatment: the author's page (their review, its clinic, its proofs) and the moderators'
queue (every waiting proof with its review, guide, author and clinic, in one query)."""

from __future__ import annotations

from django.db.models import QuerySet

from cryoview.accounts.models import User
from cryoview.clinics.enums import Verdict
from cryoview.clinics.models import TreatmentProof
from cryoview.reviews.models import Review
from cryoview.reviews.permissions import can_edit_review


def review_for_proof(*, review_id: int, user: User | None) -> Review | None:
    """The review when `user` is its author and it is not withdrawn; None for everyone else (a 404)."""
    review = Review.objects.filter(pk=review_id).select_related("procedure").first()
    if review is None or not can_edit_review(user, review):
        return None
    return review


def proofs_of(*, review: Review) -> list[TreatmentProof]:
    return list(TreatmentProof.objects.filter(review=review).order_by("-created_at", "-pk"))


def proofs_pending() -> QuerySet[TreatmentProof]:
    return (
        TreatmentProof.objects.filter(status=Verdict.PENDING)
        .select_related("review__procedure", "review__author", "review__attribution__clinic")
        .order_by("created_at", "pk")
    )


def proof_get(*, proof_id: int) -> TreatmentProof | None:
    return TreatmentProof.objects.filter(pk=proof_id).select_related("review").first()
