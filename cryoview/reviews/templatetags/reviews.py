from __future__ import annotations

from typing import Any

from django import template

from cryoview.reviews.enums import ReviewSort
from cryoview.reviews.selectors import (
    ReviewFilters,
    review_list_published,
    reviews_of,
    side_effect_labels,
    stats_get,
)

register = template.Library()

GUIDE_PAGE_REVIEWS = 6


@register.inclusion_tag("reviews/_guide_section.html", takes_context=True)
def reviews_section(context: dict[str, Any], procedure: Any) -> dict[str, Any]:
    """The guide page's "Video reviews" section: the aggregates and the first reviews, videos first."""
    page = review_list_published(
        procedure=procedure, filters=ReviewFilters(sort=ReviewSort.NEWEST), limit=GUIDE_PAGE_REVIEWS
    )
    return {
        "procedure": procedure,
        "stats": stats_get(procedure=procedure),
        "labels": side_effect_labels(procedure=procedure),
        "page": page,
        "user": context.get("user"),
    }


@register.filter
def percent_of(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


@register.filter
def get_label(labels: dict[str, str], slug: str) -> str:
    return labels.get(slug, "")


@register.filter
def stars(rating: int) -> str:
    return "★" * rating + "☆" * (5 - rating)


@register.filter
def duration(seconds: float | None) -> str:
    if not seconds:
        return ""
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


@register.inclusion_tag("reviews/_your_reviews.html")
def your_reviews_panel(user: Any) -> dict[str, Any]:
    return {"reviews": list(reviews_of(user=user).exclude(status="withdrawn")[:50])}
