"""The moderators' queue of clinic claims and credential checks, their decisions, and the documents behind them.
Anyone but a moderator gets 404, as for the moderation queue: the queue's existence is not advertised."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from cryoview.accounts.models import User
from cryoview.clinics.documents import document_response
from cryoview.clinics.forms_staff import DecisionForm
from cryoview.clinics.selectors.staff import check_get, checks_pending, claim_get, claims_pending, staff_approved
from cryoview.clinics.services.claims import clinic_claim_decide, clinic_staff_revoke
from cryoview.clinics.services.credentials import credential_check_decide
from cryoview.core.errors import ApplicationError
from cryoview.moderation.permissions import can_moderate


def _moderator(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not can_moderate(user):
        raise Http404("No such page.")
    return user


@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    _moderator(request)
    context = {"claims": list(claims_pending()), "checks": list(checks_pending()), "staff": list(staff_approved())}
    return render(request, "clinics/checks/queue.html", context)


def _decision(request: HttpRequest) -> tuple[bool, str] | None:
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return None
    return form.cleaned_data["verdict"] == "accept", form.cleaned_data["reason"]


def _refused(error: ApplicationError) -> str:
    return error.message if not error.problems else f"The reason {error.problems[0].message}."


def _decide(request: HttpRequest, decide: Callable[[bool, str], object], *, choose: str, done: str) -> HttpResponse:
    """The one flow of a moderator's verdict on a document: read it, apply it, say what happened, back to the queue."""
    decision = _decision(request)
    if decision is None:
        messages.error(request, choose)
        return redirect("clinics:checks")
    try:
        decide(*decision)
    except ApplicationError as error:
        messages.error(request, _refused(error))
    else:
        messages.success(request, done)
    return redirect("clinics:checks")


@require_POST
def claim_decision(request: HttpRequest, claim_id: int) -> HttpResponse:
    user = _moderator(request)
    claim = claim_get(claim_id=claim_id)
    if claim is None:
        raise Http404("No such claim.")
    return _decide(
        request,
        lambda approve, reason: clinic_claim_decide(claim=claim, by=user, approve=approve, reason=reason),
        choose="Choose approve or refuse.",
        done=f"Claim on {claim.clinic.name} decided; the document is deleted.",
    )


@require_POST
def check_decision(request: HttpRequest, check_id: int) -> HttpResponse:
    user = _moderator(request)
    check = check_get(check_id=check_id)
    if check is None:
        raise Http404("No such check.")
    return _decide(
        request,
        lambda accept, reason: credential_check_decide(check=check, by=user, accept=accept, reason=reason),
        choose="Choose accept or refuse.",
        done=f"Credentials of {check.practitioner.name} decided; the document is deleted.",
    )


@require_POST
def staff_revoke(request: HttpRequest, staff_id: int) -> HttpResponse:
    user = _moderator(request)
    staff = claim_get(claim_id=staff_id)
    if staff is None:
        raise Http404("No such staff.")
    try:
        clinic_staff_revoke(staff=staff, by=user, reason=request.POST.get("reason", ""))
    except ApplicationError as error:
        messages.error(request, _refused(error))
    else:
        messages.success(request, f"{staff.user.public_name} no longer acts for {staff.clinic.name}.")
    return redirect("clinics:checks")


@require_safe
def claim_document(request: HttpRequest, claim_id: int) -> HttpResponseBase:
    _moderator(request)
    claim = claim_get(claim_id=claim_id)
    if claim is None:
        raise Http404("No such document.")
    return document_response(request, claim.proof_name)


@require_safe
def check_document(request: HttpRequest, check_id: int) -> HttpResponseBase:
    _moderator(request)
    check = check_get(check_id=check_id)
    if check is None:
        raise Http404("No such document.")
    return document_response(request, check.document_name)
