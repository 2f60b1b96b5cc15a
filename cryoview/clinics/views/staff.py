"""The claim page and the clinic staff console. The console and its pages answer 404 to everyone but the approved
staff of that clinic (staff of another clinic included), so they never reveal more than a missing page would."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.datastructures import MultiValueDict
from django.views.decorators.http import require_http_methods

from cryoview.accounts.models import User
from cryoview.clinics.forms_staff import ClaimForm, ClinicDetailsForm, CredentialForm, PractitionerForm, add_problems
from cryoview.clinics.models import Clinic, Practitioner
from cryoview.clinics.permissions import is_staff_of
from cryoview.clinics.selectors.staff import (
    claims_of,
    clinic_for_staff,
    clinic_listed,
    console_log,
    console_practitioners,
)
from cryoview.clinics.services.claims import clinic_claim_send
from cryoview.clinics.services.credentials import LicenceFields, credential_check_send
from cryoview.clinics.services.staff import (
    ClinicDetails,
    PractitionerInput,
    clinic_details_update,
    practitioner_add,
    practitioner_update,
)
from cryoview.core.errors import ApplicationError, ServiceUnavailable


def _staff_clinic(request: HttpRequest, slug: str) -> tuple[User, Clinic]:
    user = request.user if isinstance(request.user, User) else None
    clinic = clinic_for_staff(slug=slug, user=user)
    if user is None or clinic is None:
        raise Http404("No such page.")
    return user, clinic


def _bound(request: HttpRequest) -> tuple[QueryDict | None, MultiValueDict[str, UploadedFile[Any]] | None]:
    """The form's data and files on a POST (even an empty one: it must show its errors), nothing on a GET."""
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


def _practitioner(clinic: Clinic, practitioner_id: int) -> Practitioner:
    practitioner = clinic.practitioners.filter(pk=practitioner_id).first()
    if practitioner is None:
        raise Http404("No such practitioner at this clinic.")
    return practitioner


@login_required
@require_http_methods(["GET", "POST"])
def claim(request: HttpRequest, slug: str) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    clinic = clinic_listed(slug=slug)
    if clinic is None:
        raise Http404("No such clinic.")
    form = ClaimForm(*_bound(request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                clinic_claim_send(
                    clinic=clinic,
                    by=user,
                    job_title=form.cleaned_data["job_title"],
                    message=form.cleaned_data["message"],
                    document=form.cleaned_data["document"],
                )
            except ServiceUnavailable:
                raise
            except ApplicationError as error:
                add_problems(form, error)
            else:
                messages.success(
                    request, "Your claim is with the moderators. You will get an e-mail when they have decided."
                )
                return redirect("clinics:claim", slug=clinic.slug)
        status = 422
    mine = [c for c in claims_of(user=user) if c.clinic_id == clinic.pk]
    context = {"clinic": clinic, "form": form, "claims": mine, "is_staff": is_staff_of(user, clinic)}
    return render(request, "clinics/staff/claim.html", context, status=status)


@require_http_methods(["GET", "POST"])
def console(request: HttpRequest, slug: str) -> HttpResponse:
    user, clinic = _staff_clinic(request, slug)
    initial = {
        "address": clinic.address,
        "website": clinic.website,
        "phone": clinic.phone,
        "procedures": list(clinic.procedures.values_list("pk", flat=True)),
    }
    form = ClinicDetailsForm(*_bound(request), initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            details = ClinicDetails(
                address=data["address"],
                website=data["website"],
                phone=data["phone"],
                procedure_ids=[p.pk for p in data["procedures"]],
            )
            try:
                clinic_details_update(clinic=clinic, by=user, details=details)
            except ApplicationError as error:
                add_problems(form, error)
            else:
                messages.success(request, "The clinic's details are saved.")
                return redirect("clinics:staff", slug=clinic.slug)
        status = 422
    context = {
        "clinic": clinic,
        "form": form,
        "practitioners": console_practitioners(clinic=clinic),
        "log": console_log(clinic=clinic),
    }
    return render(request, "clinics/staff/console.html", context, status=status)


def _practitioner_input(data: dict[str, object]) -> PractitionerInput:
    return PractitionerInput(
        name=str(data["name"]),
        profession=str(data["profession"]),
        licence=_licence(data),
    )


def _licence(data: dict[str, object]) -> LicenceFields:
    expires = data.get("licence_expires_on")
    return LicenceFields(
        licence_number=str(data.get("licence_number") or ""),
        issuing_body=str(data.get("issuing_body") or ""),
        country=str(data.get("country") or ""),
        licence_expires_on=expires if expires else None,  # type: ignore[arg-type]
    )


def _licence_initial(practitioner: Practitioner) -> dict[str, Any]:
    """The practitioner's licence fields as the forms show them (the date as YYYY-MM-DD, or empty)."""
    expires = practitioner.licence_expires_on
    return {
        "licence_number": practitioner.licence_number,
        "issuing_body": practitioner.issuing_body,
        "country": practitioner.country,
        "licence_expires_on": expires.isoformat() if expires else None,
    }


@require_http_methods(["GET", "POST"])
def practitioner_edit(request: HttpRequest, slug: str, practitioner_id: int | None = None) -> HttpResponse:
    user, clinic = _staff_clinic(request, slug)
    practitioner = _practitioner(clinic, practitioner_id) if practitioner_id is not None else None
    initial: dict[str, Any] = {}
    if practitioner is not None:
        initial = {"name": practitioner.name, "profession": practitioner.profession, **_licence_initial(practitioner)}
    form = PractitionerForm(*_bound(request), initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = _practitioner_input(form.cleaned_data)
            try:
                if practitioner is None:
                    practitioner_add(clinic=clinic, by=user, data=data)
                else:
                    practitioner_update(clinic=clinic, practitioner=practitioner, by=user, data=data)
            except ApplicationError as error:
                add_problems(form, error)
            else:
                messages.success(request, "The practitioner is saved.")
                return redirect("clinics:staff", slug=clinic.slug)
        status = 422
    context = {"clinic": clinic, "form": form, "practitioner": practitioner}
    return render(request, "clinics/staff/practitioner.html", context, status=status)


@require_http_methods(["GET", "POST"])
def credential_send(request: HttpRequest, slug: str, practitioner_id: int) -> HttpResponse:
    user, clinic = _staff_clinic(request, slug)
    practitioner = _practitioner(clinic, practitioner_id)
    form = CredentialForm(*_bound(request), initial=_licence_initial(practitioner))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                credential_check_send(
                    clinic=clinic,
                    practitioner=practitioner,
                    by=user,
                    licence=_licence(form.cleaned_data),
                    document=form.cleaned_data["document"],
                )
            except ServiceUnavailable:
                raise
            except ApplicationError as error:
                add_problems(form, error)
            else:
                messages.success(request, "The credentials are with the moderators.")
                return redirect("clinics:staff", slug=clinic.slug)
        status = 422
    context = {"clinic": clinic, "form": form, "practitioner": practitioner}
    return render(request, "clinics/staff/credentials.html", context, status=status)
