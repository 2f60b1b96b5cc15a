from __future__ import annotations

from django.contrib import admin

from cryoview.comments.models import Comment, CommentRules


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin[Comment]):
    """Read-only: decisions go through the moderation queue, so they are logged with a reason."""

    list_display = ["id", "author_name", "status", "procedure", "review", "depth", "created_at"]
    list_filter = ["status"]
    search_fields = ["body", "guest_name"]
    readonly_fields = [field.name for field in Comment._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(CommentRules)
class CommentRulesAdmin(admin.ModelAdmin[CommentRules]):
    list_display = ["__str__", "max_links", "updated_by", "updated_at"]
