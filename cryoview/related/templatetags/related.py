from __future__ import annotations

from typing import Any

from django import template

from cryoview.core.pagecache import per_generation
from cryoview.procedures.models import Procedure
from cryoview.procedures.selectors import procedure_scope
from cryoview.related.selectors import related_for
from cryoview.reviews.models import Review

register = template.Library()


@register.inclusion_tag("related/_section.html")
def related_reading(*, procedure: Procedure | None = None, review: Review | None = None) -> dict[str, Any]:
    """ "It is also interesting to read" for a guide or a review (one query); nothing when the list is empty.
    A guide's list is read once per generation of its scope in each process (a changed list bumps it), and
    at most PAGE_SECONDS old for an item of another guide that left publication: as visitors' pages."""
    if procedure is not None and review is None:
        entries = per_generation(
            procedure_scope(procedure.slug), "related-entries", lambda: related_for(procedure=procedure)
        )
        return {"entries": entries}
    return {"entries": related_for(procedure=procedure, review=review)}
