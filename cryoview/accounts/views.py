from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cryoview.accounts.forms import ProfileForm, TokenCreateForm
from cryoview.accounts.models import User
from cryoview.accounts.selectors import token_list_for_user
from cryoview.accounts.services import token_issue, token_revoke, user_update_profile
from cryoview.core.errors import ApplicationError
from cryoview.core.throttle import Throttled
from cryoview.core.views import too_many_requests


def current_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # guaranteed by @login_required
    return request.user


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    profile_form = ProfileForm(initial={"display_name": user.display_name})
    if request.method == "POST":
        profile_form = ProfileForm(request.POST)
        if profile_form.is_valid():
            user_update_profile(user=user, display_name=profile_form.cleaned_data["display_name"])
            messages.success(request, "Your profile was saved.")
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "profile_form": profile_form,
            "token_form": TokenCreateForm(),
            "tokens": token_list_for_user(user=user),
            "new_secret": request.session.pop("new_token_secret", None),
        },
    )


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the token a name of 1 to 80 characters.")
        return redirect("accounts:profile")
    try:
        issued = token_issue(user=current_user(request), name=form.cleaned_data["name"])
    except ApplicationError as error:
        messages.error(request, str(error))
        return redirect("accounts:profile")
    # Shown once on the next page, then gone from the session: it is never stored in clear.
    request.session["new_token_secret"] = issued.secret
    return redirect("accounts:profile")


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = token_revoke(user=current_user(request), token_id=token_id)
    except ApplicationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Token “{token.name}” was revoked. Programs using it are refused from now on.")
    return redirect("accounts:profile")


def too_many_attempts(request: HttpRequest) -> HttpResponse:
    """allauth's 429 page (it calls ROOT_URLCONF.handler429): ours, with Retry-After."""
    wait = get_adapter(request).rate_limit_wait(request)
    return too_many_requests(request, Throttled("attempts", wait))
