from __future__ import annotations

from django.contrib import admin

from cryoview.moderation.models import ModerationDecision, Report
from cryoview.reviews.admin import ReadOnlyForModerators


@admin.register(ModerationDecision)
class ModerationDecisionAdmin(ReadOnlyForModerators, admin.ModelAdmin[ModerationDecision]):
    list_display = ["created_at", "moderator_name", "target_kind", "target_id", "target_title", "decision", "reason"]
    list_filter = ["decision", "target_kind"]


@admin.register(Report)
class ReportAdmin(ReadOnlyForModerators, admin.ModelAdmin[Report]):
    list_display = ["review", "comment", "reason", "part", "trust", "created_at", "resolved_at", "resolution"]
    list_filter = ["reason", "trust", "resolution"]
