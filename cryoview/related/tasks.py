"""Thin tasks: ids in, one service call (DESIGN rule 4)."""

from __future__ import annotations

from django.tasks import task

from cryoview.procedures.models import Procedure
from cryoview.related.services import related_backfill, related_refresh_after_publish
from cryoview.reviews.models import Review


@task()
def refresh_related(procedure_id: int | None = None, review_id: int | None = None) -> int:
    """Recompute a published item's list and every guide's; nothing if the item was deleted meanwhile."""
    if procedure_id is not None:
        procedure = Procedure.objects.filter(pk=procedure_id).first()
        return related_refresh_after_publish(procedure=procedure) if procedure else 0
    review = Review.objects.select_related("procedure").filter(pk=review_id).first() if review_id else None
    return related_refresh_after_publish(review=review) if review else 0


def maintenance() -> dict[str, int]:
    """Run by every worker every few seconds: compute the lists no event computed (see related_backfill)."""
    return related_backfill()
