from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cryoview.accounts.models import User
from cryoview.accounts.permissions import can_edit_guides
from cryoview.procedures.enums import RevisionOrigin
from cryoview.procedures.models import (
    Claim,
    ClaimSource,
    Condition,
    Conflict,
    Procedure,
    ProcedureRevision,
    Source,
)
from cryoview.procedures.services import procedure_record_revision


class EditorPermissions:
    """Editors and admins edit guides; moderators may look."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_edit_guides(request.user if isinstance(request.user, User) else None)

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_staff

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_staff


class ClaimInline(EditorPermissions, admin.StackedInline[Claim, Procedure]):
    model = Claim
    extra = 0
    fields = [
        "position",
        "section",
        "code",
        "condition",
        "area",
        "goal",
        "trigger",
        "specialist",
        "recheck",
        "text",
        "evidence",
    ]
    show_change_link = True


class ConflictInline(EditorPermissions, admin.StackedInline[Conflict, Procedure]):
    model = Conflict
    extra = 0
    filter_horizontal = ["claims"]


class RevisionInline(admin.TabularInline[ProcedureRevision, Procedure]):
    model = ProcedureRevision
    extra = 0
    fields = ("number", "origin", "author", "created_at", "content_hash")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Procedure)
class ProcedureAdmin(EditorPermissions, admin.ModelAdmin[Procedure]):
    list_display = ["name", "slug", "kind", "practitioner", "reviewed_on", "is_published", "updated_at"]
    list_filter = ["kind", "is_published"]
    search_fields = ["name", "slug", "summary"]
    readonly_fields = ["imported_hash", "source_file", "updated_at"]
    inlines = [ClaimInline, ConflictInline, RevisionInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        author = request.user if isinstance(request.user, User) else None
        procedure_record_revision(procedure=form.instance, origin=RevisionOrigin.ADMIN, author=author)


class CitationInline(EditorPermissions, admin.TabularInline[ClaimSource, Claim]):
    model = ClaimSource
    extra = 0


@admin.register(Claim)
class ClaimAdmin(EditorPermissions, admin.ModelAdmin[Claim]):
    list_display = ["code", "procedure", "section", "condition"]
    list_filter = ["procedure", "section"]
    search_fields = ["code", "text"]
    inlines = [CitationInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        author = request.user if isinstance(request.user, User) else None
        procedure_record_revision(procedure=form.instance.procedure, origin=RevisionOrigin.ADMIN, author=author)


@admin.register(Source)
class SourceAdmin(EditorPermissions, admin.ModelAdmin[Source]):
    list_display = ["title", "slug", "kind", "publisher", "published"]
    search_fields = ["title", "slug", "publisher"]


@admin.register(Condition)
class ConditionAdmin(EditorPermissions, admin.ModelAdmin[Condition]):
    list_display = ["name", "slug", "plain_name"]
    search_fields = ["name", "slug", "plain_name"]


@admin.register(ProcedureRevision)
class ProcedureRevisionAdmin(admin.ModelAdmin[ProcedureRevision]):
    list_display = ["procedure", "number", "origin", "author", "created_at"]
    list_filter = ["procedure", "origin"]
    readonly_fields = ["procedure", "number", "origin", "author", "created_at", "content_hash", "snapshot"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
