from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from cryoview.accounts.models import User
from cryoview.accounts.permissions import can_moderate

# --- directory: moderators add and edit clinics and practitioners; each save goes to the clinic log ---
from cryoview.clinics.models import Clinic, Practitioner
from cryoview.clinics.services.directory import clinic_saved_by_moderator, practitioner_saved_by_moderator


def _moderator(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and can_moderate(user) else None


class ModeratorsEdit:
    """Moderators and admins add and edit; nobody deletes here (reviews keep naming the clinic)."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _moderator(request) is not None

    has_change_permission = has_view_permission
    has_module_permission = has_view_permission

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _moderator(request) is not None

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Clinic)
class ClinicAdmin(ModeratorsEdit, admin.ModelAdmin[Clinic]):
    list_display = ["name", "city", "country", "status", "updated_at"]
    list_filter = ["status", "country"]
    search_fields = ["name", "city", "slug"]
    filter_horizontal = ["procedures"]
    fields = ["name", "slug", "city", "country", "address", "website", "phone", "procedures", "status"]
    prepopulated_fields = {"slug": ["name", "city"]}

    def get_readonly_fields(self, request: HttpRequest, obj: Clinic | None = None) -> list[str]:
        # A suggestion is decided on /clinics/suggestions/ (logged with its reason), not by editing its status.
        return ["status"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Clinic, form: ModelForm[Clinic], change: bool) -> None:
        super().save_model(request, obj, form, change)
        by = _moderator(request)
        if by is not None:
            clinic_saved_by_moderator(clinic=obj, by=by, changed=list(form.changed_data), created=not change)


LICENCE_FIELDS = ["licence_number", "issuing_body", "country", "licence_expires_on"]


@admin.register(Practitioner)
class PractitionerAdmin(ModeratorsEdit, admin.ModelAdmin[Practitioner]):
    list_display = ["name", "profession", "credentials_checked_on", "licence_expires_on"]
    list_filter = ["profession"]
    search_fields = ["name", "licence_number"]
    filter_horizontal = ["clinics"]
    fields = ["name", "profession", *LICENCE_FIELDS, "clinics", "credentials_checked_on"]

    def get_readonly_fields(self, request: HttpRequest, obj: Practitioner | None = None) -> list[str]:
        # The badge is set by a credentials check; the licence details change through a new check, which
        # clears the badge (a change here would leave a badge for details nobody checked).
        return ["credentials_checked_on", *LICENCE_FIELDS] if obj is not None else ["credentials_checked_on"]

    def save_related(self, request: HttpRequest, form: ModelForm[Practitioner], formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # the clinics are saved here, after the row
        by = _moderator(request)
        if by is not None:
            practitioner_saved_by_moderator(
                practitioner=form.instance, by=by, changed=list(form.changed_data), created=not change
            )


# --- end directory ---
