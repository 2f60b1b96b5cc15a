"""The guide's aggregates: recounted by a coalescing task after each change, never inside a visitor's or a
moderator's request (services call stats_refresh_later; the worker runs the task and its upkeep)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from cryoview.core.pagecache import bump
from cryoview.procedures.models import Procedure
from cryoview.procedures.selectors import procedure_scope
from cryoview.reviews.models import ReviewStats
from cryoview.reviews.selectors import empty_stats, stats_compute


def stats_refresh(*, procedure: Procedure) -> dict[str, Any]:
    """Recount the procedure's published reviews. Side effects: the ReviewStats row; visitors' cached pages
    of the procedure expire."""
    data = stats_compute(procedure=procedure)
    ReviewStats.objects.update_or_create(procedure=procedure, defaults={"data": data})
    bump(procedure_scope(procedure.slug))  # visitors' cached guide and review pages are stale now
    return data


# A recount queued longer ago than this was lost (its worker died, the queue was emptied): upkeep redoes it.
STATS_REFRESH_LOST_SECONDS = 300


def stats_refresh_later(*, procedure: Procedure) -> None:
    """Once the surrounding transaction commits: visitors' cached pages of the procedure expire at once (the
    lists show the change), and a task recounts the aggregates, once for any number of changes that arrive
    before it starts (a moderator approving twenty reviews queues one recount, not twenty).
    Side effects, after commit: the ReviewStats row marked stale; at most one task queued per procedure."""
    procedure_id, scope = procedure.pk, procedure_scope(procedure.slug)

    def mark() -> None:
        bump(scope)
        if _stats_mark_stale(procedure_id):
            from cryoview.reviews.tasks import refresh_stats  # tasks import this module: import at call time

            refresh_stats.enqueue(procedure_id=procedure_id)

    transaction.on_commit(mark)


def _stats_mark_stale(procedure_id: int) -> bool:
    """True when this call made the stats stale, so it must queue the recount; False when one is queued."""
    now = timezone.now()
    if ReviewStats.objects.filter(procedure_id=procedure_id, stale_since__isnull=True).update(stale_since=now):
        return True
    if ReviewStats.objects.filter(procedure_id=procedure_id).exists():
        return False
    try:
        with transaction.atomic():
            ReviewStats.objects.create(procedure_id=procedure_id, data=empty_stats(), stale_since=now)
    except IntegrityError:
        return False  # a concurrent change created the row, and queued the recount
    return True


def stats_refresh_queued(*, procedure_id: int) -> bool:
    """The queued recount: runs if the stats are still stale (a duplicate delivery finds nothing to do).
    The mark is cleared before counting, so a change that commits meanwhile queues another recount.
    Side effects: as stats_refresh."""
    claimed = ReviewStats.objects.filter(procedure_id=procedure_id, stale_since__isnull=False)
    marked = claimed.values_list("stale_since", flat=True).first()
    if marked is None or not claimed.update(stale_since=None):
        return False
    procedure = Procedure.objects.filter(pk=procedure_id).first()
    if procedure is None:
        return False
    try:
        stats_refresh(procedure=procedure)
    except Exception:
        # Not counted after all: stale again (with its first mark, so upkeep sees how long it has waited).
        ReviewStats.objects.filter(procedure_id=procedure_id, stale_since__isnull=True).update(stale_since=marked)
        raise
    return True


def stats_refresh_lost() -> int:
    """Recount the stats whose queued recount never ran (see STATS_REFRESH_LOST_SECONDS). Returns how many.
    Side effects: as stats_refresh, per procedure."""
    cutoff = timezone.now() - timedelta(seconds=STATS_REFRESH_LOST_SECONDS)
    lost = ReviewStats.objects.filter(stale_since__lt=cutoff).values_list("procedure_id", flat=True)
    return sum(stats_refresh_queued(procedure_id=procedure_id) for procedure_id in list(lost))
