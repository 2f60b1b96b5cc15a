from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from cryoview.core.pagecache import per_generation
from cryoview.procedures.selectors import procedure_scope
from cryoview.reviews.breakdowns import BreakdownPart, stats_breakdown_parts
from cryoview.reviews.enums import ReviewSort, ReviewStatus
from cryoview.reviews.extras import review_extras_html
from cryoview.reviews.selectors import (
    STATS_MEANINGFUL_COUNT,
    ReviewFilters,
    review_list_published,
    reviews_of,
    side_effect_labels,
    stats_get_for_page,
    stats_get_many,
)

register = template.Library()

GUIDE_PAGE_REVIEWS = 6


@register.simple_tag
def reviews_section(procedure: Any) -> SafeString:
    """The guide page's "Video reviews" section: the aggregates and the first reviews, videos first.

    Rendered once per generation of the procedure's scope (bumped when a review enters or leaves the list,
    and again when the worker has recounted the numbers), and kept in this process, so a busy guide page
    costs no query here, not a list and a render.
    """
    html = per_generation(
        procedure_scope(procedure.slug),
        f"guide-reviews:{procedure.pk}",
        lambda: render_to_string("reviews/_guide_section.html", _section_context(procedure)),
    )
    section: SafeString = mark_safe(html)  # noqa: S308 - our own template's output; user text escaped inside
    return section


def _section_context(procedure: Any) -> dict[str, Any]:
    stats = stats_get_for_page(procedure=procedure)
    if not stats["count"]:
        return {"procedure": procedure, "stats": stats, "labels": {}, "page": None}
    page = review_list_published(
        procedure=procedure, filters=ReviewFilters(sort=ReviewSort.NEWEST), limit=GUIDE_PAGE_REVIEWS
    )
    labels = side_effect_labels(procedure=procedure) if stats["side_effects"] else {}
    extras = review_extras_html(reviews=page.items, place="card")
    return {"procedure": procedure, "stats": stats, "labels": labels, "page": page, "review_extras": extras}


@register.simple_tag(takes_context=True)
def review_extra(context: template.Context, review: Any, key: str = "review_extras") -> SafeString:
    """What the apps above add to this review (reviews.extras), from `review_extras` (or the context's `key`, e.g.
    "review_extras_end" under the review's text) that the view read for the whole page at once; nothing when no
    app adds anything."""
    extras: dict[int, SafeString] = context.get(key) or {}
    return extras.get(review.pk, mark_safe(""))


@register.inclusion_tag("reviews/_numbers.html")
def review_numbers(procedure: Any, stats: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a visitor came for, at the top of a guide and on its home-page card: how many reviews, the average
    rating and the "worth it" share, each with its sample size, and a link to the reviews. The numbers are the
    stored aggregates (stats_get_for_page: one query per generation), never counted a second way; pass `stats`
    when they were read already (stats_for_many)."""
    return {"procedure": procedure, "stats": stats if stats is not None else stats_get_for_page(procedure=procedure)}


@register.simple_tag
def stats_for_many(procedures: Any) -> dict[int, dict[str, Any]]:
    """The stored aggregates of every procedure listed, in one query: {% stats_for_many procedures as all %}."""
    return stats_get_many(procedure_ids=[procedure.pk for procedure in procedures])


@register.filter
def stats_of(all_stats: dict[int, dict[str, Any]], procedure: Any) -> dict[str, Any] | None:
    return all_stats.get(procedure.pk)


@register.filter
def breakdowns(stats: dict[str, Any]) -> list[BreakdownPart]:
    """The registered breakdowns stored in these stats (reviews.breakdowns), each with its template and rows."""
    return stats_breakdown_parts(stats)


@register.filter
def too_few(count: int) -> bool:
    """Too few published reviews for their numbers to mean much (STATS_MEANINGFUL_COUNT)."""
    return count < STATS_MEANINGFUL_COUNT


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
    return {"reviews": list(reviews_of(user=user).exclude(status=ReviewStatus.WITHDRAWN)[:50])}
