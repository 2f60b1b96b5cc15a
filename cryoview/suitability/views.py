from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cryoview.accounts.models import User
from cryoview.core.errors import ApplicationError
from cryoview.suitability.forms import SuitabilityForm
from cryoview.suitability.selectors import goals_for, rules_get, vocabulary_build
from cryoview.suitability.services import (
    answers_validate,
    saved_check_create,
    saved_check_delete,
    suitability_assess,
)


def check(request: HttpRequest, slug: str) -> HttpResponse:
    """GET shows the questions; POST answers on the same page (answers never travel in the URL)."""
    found = rules_get(slug=slug)
    if found is None:
        raise Http404("No guide with this address.")
    procedure, rules = found
    form = SuitabilityForm(request.POST or None, rules=rules)
    assessment = None
    if request.method == "POST" and form.is_valid():
        try:
            answers = answers_validate(raw=form.raw_answers(), vocabulary=vocabulary_build(), goals=goals_for(rules))
        except ApplicationError as error:
            for problem in error.problems:
                form.add_error(None, f"{problem.field}: {problem.message}")
        else:
            assessment = suitability_assess(rules=rules, answers=answers)
            if "save" in request.POST:
                if not isinstance(request.user, User):
                    messages.info(request, "Sign in to save a check. Your answers were not stored.")
                    return redirect(f"{reverse('account_login')}?next={request.path}")
                saved_check_create(user=request.user, procedure=procedure, answers=answers, assessment=assessment)
                messages.success(request, "The check was saved to your account. You can delete it there.")
                return redirect(f"{reverse('accounts:profile')}#saved-checks")
    status = 422 if request.method == "POST" and assessment is None else 200
    return render(
        request,
        "suitability/check.html",
        {"procedure": procedure, "rules": rules, "form": form, "assessment": assessment},
        status=status,
    )


@login_required
@require_POST
def delete_saved(request: HttpRequest, check_id: int) -> HttpResponse:
    assert isinstance(request.user, User)
    if saved_check_delete(user=request.user, check_id=check_id):
        messages.success(request, "The saved check was deleted.")
    else:
        messages.error(request, "No such saved check.")
    return redirect(f"{reverse('accounts:profile')}#saved-checks")
