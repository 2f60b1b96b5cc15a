from __future__ import annotations

from typing import Any

from django import template

from cryoview.moderation.enums import ReportPart, ReportReason

register = template.Library()


@register.inclusion_tag("moderation/_report_form.html", takes_context=True)
def report_form(context: dict[str, Any], review: Any) -> dict[str, Any]:
    return {
        "review": review,
        "reasons": ReportReason.choices,
        "parts": ReportPart.choices,
        "csrf_token": context.get("csrf_token"),
    }
