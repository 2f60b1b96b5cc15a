"""The pages of the journeys that span several apps: /account/export/ and /account/delete/."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from cryoview.accounts.forms import DeleteAccountForm
from cryoview.accounts.views import current_user
from cryoview.journeys.privacy import account_delete, account_export


@login_required
def export_data(request: HttpRequest) -> HttpResponse:
    """All of the user's data as a JSON download, with links to their media."""
    user = current_user(request)
    data = account_export(user=user, link=request.build_absolute_uri)
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="cryoview-export-{timezone.localdate():%Y-%m-%d}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def delete_account(request: HttpRequest) -> HttpResponse:
    """Delete the account after the password is typed again; reviews and videos go with it."""
    user = current_user(request)
    form = DeleteAccountForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        account_delete(user=user)
        logout(request)
        messages.success(request, "Your account and everything it held are deleted.")
        return redirect("home")
    status = 422 if request.method == "POST" else 200
    return render(request, "accounts/delete.html", {"form": form}, status=status)
