"""Proofs of treatment: the author's page to send one for their review, the moderators' queue, their decision and
the document (moderators only). The author's page answers 404 to everyone but the review's author; the queue and
its documents answer 404 to everyone but moderators, as the other checks do."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cryoview.accounts.models import User
from cryoview.clinics.documents import document_response
from cryoview.clinics.forms_proofs import ProofForm
from cryoview.clinics.forms_staff import add_problems
from cryoview.clinics.selectors.proofs import proof_get, proofs_of, proofs_pending, review_for_proof
from cryoview.clinics.services.proofs import proof_clinic_of, proof_decide, proof_send, proofs_on_review_change
from cryoview.clinics.views.checks import _decide, _moderator
from cryoview.core.errors import ApplicationError, ServiceUnavailable
from cryoview.core.visibility import register_visibility_listener
from cryoview.reviews.extras import ExtraContext, Place, ReviewExtra, register_review_extra
from cryoview.reviews.models import Review


@login_required
@require_http_methods(["GET", "POST"])
def proof_page(request: HttpRequest, review_id: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    review = review_for_proof(review_id=review_id, user=user)
    if review is None:
        raise Http404("No such review.")
    form = ProofForm(request.POST, request.FILES) if request.method == "POST" else ProofForm()
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                proof_send(review=review, by=user, document=form.cleaned_data["document"])
            except ServiceUnavailable:
                raise
            except ApplicationError as error:
                add_problems(form, error)
            else:
                messages.success(request, "Your proof is with the moderators. We will e-mail you if they refuse it.")
                return redirect("clinics:proof", review_id=review.pk)
        status = 422
    attribution = proof_clinic_of(review)
    context = {
        "review": review,
        "form": form,
        "attribution": attribution,
        "proofs": proofs_of(review=review),
    }
    return render(request, "clinics/proofs/send.html", context, status=status)


@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    _moderator(request)
    return render(request, "clinics/proofs/queue.html", {"proofs": list(proofs_pending())})


@require_POST
def decision(request: HttpRequest, proof_id: int) -> HttpResponse:
    user = _moderator(request)
    proof = proof_get(proof_id=proof_id)
    if proof is None:
        raise Http404("No such proof.")
    response = _decide(
        request,
        lambda accept, reason: proof_decide(proof=proof, by=user, accept=accept, reason=reason),
        choose="Choose accept or refuse.",
        done=f"Proof of treatment for “{proof.review.title}” decided; the document is deleted.",
    )
    return redirect("clinics:proofs") if response.status_code == 302 else response


@require_safe
def document(request: HttpRequest, proof_id: int) -> HttpResponseBase:
    _moderator(request)
    proof = proof_get(proof_id=proof_id)
    if proof is None:
        raise Http404("No such document.")
    return document_response(request, proof.document_name)


def _no_fields(context: ExtraContext) -> dict[str, Any]:
    return {}


def _no_write(context: ExtraContext, data: dict[str, Any]) -> None:
    return None


def _no_display(reviews: Sequence[Review], place: Place) -> Mapping[int, str]:
    return {}


def proof_extra() -> ReviewExtra:
    """The link to the proof page, in the author's own review form (only its author edits a review there; the
    review pages and cards stay the same for everyone, so their cached renderings are untouched)."""
    return ReviewExtra(
        name="clinics-proofs",
        fields=_no_fields,
        template="clinics/proofs/_in_form.html",
        clean=_no_write,
        display=_no_display,
    )


def register_proofs() -> None:
    """Called by ClinicsConfig.ready(): the link in the author's review form, and a withdrawn review's waiting
    proof (and its document) withdrawn in the same transaction."""
    register_review_extra(proof_extra())
    register_visibility_listener(proofs_on_review_change)
