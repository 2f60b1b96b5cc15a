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


@register.inclusion_tag("reviews/_guide_section.html")
def reviews_section(procedure: Any) -> dict[str, Any]:
    """The guide page's "Video reviews" section: the aggregates and the first reviews, videos first."""
    stats = stats_get(procedure=procedure)
    if not stats["count"]:  # one query for a guide nobody has reviewed yet
        return {"procedure": procedure, "stats": stats, "labels": {}, "page": None}
    page = review_list_published(
        procedure=procedure, filters=ReviewFilters(sort=ReviewSort.NEWEST), limit=GUIDE_PAGE_REVIEWS
    )
    labels = side_effect_labels(procedure=procedure) if stats["side_effects"] else {}
    return {"procedure": procedure, "stats": stats, "labels": labels, "page": page}


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
