from __future__ import annotations

from typing import Any

from django import template

from cryoview.suitability.selectors import condition_names, saved_check_list

register = template.Library()


@register.inclusion_tag("suitability/_saved_checks.html")
def saved_checks_panel(user: Any) -> dict[str, Any]:
    checks = list(saved_check_list(user_id=user.pk))
    names = condition_names(slugs={slug for check in checks for slug in check.answers.get("conditions") or []})
    return {
        "checks": [
            (check, [names.get(slug, slug.replace("-", " ")) for slug in check.answers.get("conditions") or []])
            for check in checks
        ]
    }
