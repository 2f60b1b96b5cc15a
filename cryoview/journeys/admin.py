"""In /admin/, deleting people is deleting their accounts: the same service as /account/delete/, so reviews,
videos and unfinished uploads go with their files (after commit), and comments keep a "deleted" note.

accounts registers the User admin; this floor, which knows every app, swaps in the deletion that spans them
(this app comes after accounts in INSTALLED_APPS, so its admin module is loaded later)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from cryoview.accounts.admin import UserAdmin
from cryoview.accounts.models import User
from cryoview.journeys.privacy import account_delete, accounts_delete


class UserAdminDeletingAccounts(UserAdmin):
    def delete_model(self, request: HttpRequest, obj: User) -> None:
        account_delete(user=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        accounts_delete(users=list(queryset))

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # account_delete decides what goes with an account: the right to delete users is enough, even
        # where the admin itself never deletes the related rows (reviews are read-only there).
        deleted, counts, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected


admin.site.unregister(User)
admin.site.register(User, UserAdminDeletingAccounts)
