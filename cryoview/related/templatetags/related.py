from __future__ import annotations

from typing import Any

from django import template

from cryoview.procedures.models import Procedure
from cryoview.related.selectors import related_for
from cryoview.reviews.models import Review

register = template.Library()


@register.inclusion_tag("related/_section.html")
def related_reading(*, procedure: Procedure | None = None, review: Review | None = None) -> dict[str, Any]:
    """ "It is also interesting to read" for a guide or a review (one query); nothing when the list is empty."""
    return {"entries": related_for(procedure=procedure, review=review)}
