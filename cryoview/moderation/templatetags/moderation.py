from __future__ import annotations

from typing import Any

from django import template

from cryoview.moderation.enums import ReportPart, ReportReason
from cryoview.moderation.selectors import review_hiding_reasons

register = template.Library()


@register.inclusion_tag("moderation/_report_form.html", takes_context=True)
def report_form(context: dict[str, Any], review: Any) -> dict[str, Any]:
    return {
        "review": review,
        "reasons": ReportReason.choices,
        "parts": ReportPart.choices,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("moderation/_hidden_notice.html")
def hidden_notice(review: Any) -> dict[str, Any]:
    """For the author of a review hidden after reports: since when, and the reasons given."""
    return {"review": review, "reasons": review_hiding_reasons(review=review)}
