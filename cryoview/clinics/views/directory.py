"""The directory's pages: the list of clinics, a clinic, a practitioner, and the moderators' suggestions."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cryoview.accounts.models import User
from cryoview.accounts.permissions import can_moderate
from cryoview.clinics.enums import ClinicStatus
from cryoview.clinics.forms import ClinicListForm, PageCursorForm, SuggestionDecisionForm
from cryoview.clinics.models import Clinic
from cryoview.clinics.selectors.directory import (
    clinic_filters_parse,
    clinic_get_listed,
    clinic_list_listed,
    clinic_page,
    clinic_suggestions_waiting,
    practitioner_get_public,
    practitioner_page,
)
from cryoview.clinics.services.directory import clinic_suggestion_decide
from cryoview.core.errors import ApplicationError
from cryoview.reviews.extras import review_extras_html


def _form_error(form: PageCursorForm | ClinicListForm) -> str:
    return "; ".join(f"{name}: {' '.join(str(e) for e in errs)}" for name, errs in form.errors.items())


def directory(request: HttpRequest) -> HttpResponse:
    form = ClinicListForm(request.GET)
    context: dict[str, object] = {"form": form, "page": None, "error": ""}
    if not form.is_valid():
        context["error"] = _form_error(form)
        return render(request, "clinics/directory/list.html", context, status=400)
    data = form.cleaned_data
    try:
        filters = clinic_filters_parse(city=data["city"], procedure=data["procedure"])
        context["page"] = clinic_list_listed(filters=filters, cursor=data["cursor"] or None)
    except ApplicationError as problem:
        context["error"] = problem.message
        return render(request, "clinics/directory/list.html", context, status=400)
    query = request.GET.copy()
    query.pop("cursor", None)
    context.update(filters=filters, query=query.urlencode())
    return render(request, "clinics/directory/list.html", context)


def clinic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    clinic = clinic_get_listed(slug=slug)
    if clinic is None:
        raise Http404("No clinic with this address.")
    form = PageCursorForm(request.GET)
    if not form.is_valid():
        raise Http404("No such page of reviews.")
    try:
        data = clinic_page(clinic=clinic, cursor=form.cleaned_data["cursor"] or None)
    except ApplicationError as problem:
        messages.error(request, problem.message)
        return redirect(clinic.get_absolute_url())
    # Each card shows what every review shows elsewhere: its label, practitioner and the clinic's reply.
    extras = review_extras_html(reviews=data.reviews.items, place="card")
    return render(request, "clinics/directory/clinic.html", {"data": data, "clinic": clinic, "review_extras": extras})


def practitioner_detail(request: HttpRequest, practitioner_id: int) -> HttpResponse:
    practitioner = practitioner_get_public(practitioner_id=practitioner_id)
    if practitioner is None:
        raise Http404("No practitioner with this address.")
    form = PageCursorForm(request.GET)
    if not form.is_valid():
        raise Http404("No such page of reviews.")
    try:
        data = practitioner_page(practitioner=practitioner, cursor=form.cleaned_data["cursor"] or None)
    except ApplicationError as problem:
        messages.error(request, problem.message)
        return redirect(practitioner.get_absolute_url())
    extras = review_extras_html(reviews=data.reviews.items, place="card")
    context = {"data": data, "practitioner": practitioner, "review_extras": extras}
    return render(request, "clinics/directory/practitioner.html", context)


def _moderator(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not can_moderate(user):
        raise Http404("No such page.")  # like the moderation queue: its existence is not advertised
    return user


def suggestions(request: HttpRequest) -> HttpResponse:
    _moderator(request)
    items = list(clinic_suggestions_waiting()[:100])
    return render(request, "clinics/directory/suggestions.html", {"items": items})


@require_POST
def suggestion_decision(request: HttpRequest, clinic_id: int) -> HttpResponse:
    user = _moderator(request)
    clinic = Clinic.objects.filter(pk=clinic_id, status=ClinicStatus.SUGGESTED).first()
    if clinic is None:
        messages.error(request, "That suggestion has been decided already.")
        return redirect("clinics:suggestions")
    form = SuggestionDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Please correct: {_form_error(form)}.")  # type: ignore[arg-type]
        return redirect("clinics:suggestions")
    accept = form.cleaned_data["decision"] == "accept"
    try:
        clinic_suggestion_decide(clinic=clinic, by=user, accept=accept, reason=form.cleaned_data["reason"])
    except ApplicationError as problem:
        messages.error(request, problem.message)
        return redirect("clinics:suggestions")
    if accept:
        messages.success(request, f"{clinic} is listed now. Add its procedures and practitioners in the admin.")
    else:
        messages.success(request, f"{clinic} was declined; reviews that name it keep the name, privately.")
    return redirect("clinics:suggestions")
