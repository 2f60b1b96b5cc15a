"""The clinic door for reports: approved staff of a clinic report a review that names it. Everyone else (staff of
another clinic included) gets 404, as for a review that does not exist. The normal report form on the review page
works for them too, with the same outcome: a clinic's report never hides a review."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from cryoview.accounts.models import User
from cryoview.clinics.selectors.staff import clinic_for_staff
from cryoview.clinics.services.reports import clinic_report_create, review_of_clinic
from cryoview.core.errors import ApplicationError
from cryoview.core.views import too_many_requests
from cryoview.moderation.enums import ReportPart, ReportReason


@require_http_methods(["GET", "POST"])
def review_report(request: HttpRequest, slug: str, review_id: int) -> HttpResponse:
    user = request.user if isinstance(request.user, User) and request.user.is_authenticated else None
    clinic = clinic_for_staff(slug=slug, user=user)
    review = review_of_clinic(clinic=clinic, review_id=review_id) if clinic is not None else None
    if user is None or clinic is None or review is None or not review.is_visible:
        raise Http404("No such review of this clinic.")
    values = {
        "reason": request.POST.get("reason", ""),
        "part": request.POST.get("part", ReportPart.REVIEW),
        "details": request.POST.get("details", ""),
    }
    problems: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            receipt = clinic_report_create(clinic=clinic, review_id=review.pk, by=user, **values)
        except ApplicationError as error:
            if error.status == 429:
                return too_many_requests(request, error)
            messages.error(request, error.message)
            problems, status = {p.field: p.message for p in error.problems}, error.status
        else:
            messages.success(request, receipt.message)
            return redirect("reviews:detail", review_id=review.pk)
    context = {
        "clinic": clinic,
        "review": review,
        "values": values,
        "problems": problems,
        "reasons": ReportReason.choices,
        "parts": ReportPart.choices if review.video_id is not None else [],
    }
    return render(request, "clinics/reports/report.html", context, status=status)
