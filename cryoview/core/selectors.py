from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from cryoview.core.models import WorkerHeartbeat


def worker_heartbeat_latest(*, stale_after: timedelta) -> tuple[WorkerHeartbeat | None, int]:
    """The most recent heartbeat, and how many workers beat within `stale_after`."""
    latest = WorkerHeartbeat.objects.order_by("-last_seen_at").first()
    alive = WorkerHeartbeat.objects.filter(last_seen_at__gte=timezone.now() - stale_after).count()
    return latest, alive
