"""Thin tasks: ids in, one service call (DESIGN rule 4)."""

from __future__ import annotations

from django.tasks import task

from cryoview.reviews.stats import stats_refresh_lost, stats_refresh_queued


@task()
def refresh_stats(procedure_id: int) -> bool:
    """Recount a procedure's published reviews, if no earlier run of this task already did."""
    return stats_refresh_queued(procedure_id=procedure_id)


def maintenance() -> dict[str, int]:
    """Run by every worker every few seconds: recount the stats whose queued recount was lost."""
    return {"stats_recounted": stats_refresh_lost()}
