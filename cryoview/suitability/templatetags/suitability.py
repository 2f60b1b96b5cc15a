from __future__ import annotations

from typing import Any

from django import template

from cryoview.suitability.selectors import saved_check_list

register = template.Library()


@register.inclusion_tag("suitability/_saved_checks.html")
def saved_checks_panel(user: Any) -> dict[str, Any]:
    return {"checks": saved_check_list(user_id=user.pk)}
