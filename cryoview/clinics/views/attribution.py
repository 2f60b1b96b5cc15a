"""The attribution shown on review cards and review pages (registered as a review extra in apps.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.template.loader import render_to_string

from cryoview.clinics.selectors.attribution import attributions_display
from cryoview.reviews.extras import Place
from cryoview.reviews.models import Review

TEMPLATES: dict[Place, str] = {"card": "clinics/attribution/_card.html", "page": "clinics/attribution/_page.html"}


def attribution_html(reviews: Sequence[Review], place: Place) -> Mapping[int, str]:
    """HTML per review for the reviews that have an attribution; the queries of attributions_display only.
    The pages pass only reviews they show, so nothing here is seen that the page would not show."""
    if place not in TEMPLATES:
        return {}
    by_id = {review.pk: review for review in reviews}
    return {
        review_id: render_to_string(TEMPLATES[place], {"item": item, "review": by_id[review_id]})
        for review_id, item in attributions_display(reviews=reviews).items()
    }
