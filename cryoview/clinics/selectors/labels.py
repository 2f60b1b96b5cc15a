"""Labels counted separately in the aggregates (Verified, Invited, no label): the rows clinics adds to every set
of stats through reviews.breakdowns (registered in ClinicsConfig.ready), on the guide and on a clinic's page.

Each row has its count; the mean rating only where the house's rule allows a number at all (STATS_MEANINGFUL_COUNT
reviews with that label): an average of two invited reviews is an anecdote, not a statistic.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet, Sum

from cryoview.clinics.enums import ReviewLabel
from cryoview.reviews.breakdowns import StatsBreakdown
from cryoview.reviews.models import Review
from cryoview.reviews.selectors import STATS_MEANINGFUL_COUNT

LABEL_ROWS = [(ReviewLabel.VERIFIED, "verified"), (ReviewLabel.INVITED, "invited"), (ReviewLabel.NONE, "none")]


def label_rows(counted: dict[str, tuple[int, int]]) -> list[dict[str, Any]]:
    """{stored label: (count, sum of ratings)} -> the rows, in a fixed order, with zeros for missing labels."""
    rows = []
    for value, key in LABEL_ROWS:
        n, total = counted.get(value, (0, 0))
        average = round(total / n, 2) if n >= STATS_MEANINGFUL_COUNT else None
        rows.append({"label": key, "name": ReviewLabel(value).label, "count": n, "average_rating": average})
    return rows


def reviews_by_label(visible: QuerySet[Review]) -> list[dict[str, Any]]:
    """Count and rating sum of the visible reviews per label, in one query; a review without attribution (written
    before clinics, or naming none) has no label."""
    counted: dict[str, tuple[int, int]] = {}
    grouped = (
        visible.order_by()
        .values_list("attribution__label")
        .annotate(n=Count("id"), total=Sum("rating"))
        .values_list("attribution__label", "n", "total")
    )
    for label, n, total in grouped:
        key = label or ReviewLabel.NONE  # no attribution row: NULL
        before_n, before_total = counted.get(key, (0, 0))
        counted[key] = (before_n + n, before_total + (total or 0))
    return label_rows(counted)


LABELS_BREAKDOWN = StatsBreakdown(key="by_label", compute=reviews_by_label, template="clinics/directory/_labels.html")
