from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cryoview.accounts.models import User
from cryoview.accounts.permissions import can_moderate
from cryoview.reviews.models import FollowUp, Review


class ReadOnlyForModerators:
    """Decisions go through the moderation queue (which logs them); the admin only looks."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_moderate(request.user if isinstance(request.user, User) else None)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)


@admin.register(Review)
class ReviewAdmin(ReadOnlyForModerators, admin.ModelAdmin[Review]):
    list_display = ["title", "procedure", "author", "status", "rating", "has_video", "published_at", "hidden_at"]
    list_filter = ["status", "procedure", "has_video"]
    search_fields = ["title", "author__email"]


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyForModerators, admin.ModelAdmin[FollowUp]):
    list_display = ["review", "status", "new_rating", "created_at"]
    list_filter = ["status"]
