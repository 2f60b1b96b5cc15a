from __future__ import annotations

import socket
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from cryoview.core.models import WorkerHeartbeat


def worker_heartbeat_record(*, worker_id: str, pid: int, queues: str, started_at: datetime) -> WorkerHeartbeat:
    """Record that a worker is alive. Side effects: creates or updates its WorkerHeartbeat row."""
    now = timezone.now()
    with transaction.atomic():
        beat, _ = WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={
                "hostname": socket.gethostname()[:255],
                "pid": pid,
                "queues": queues[:255],
                "started_at": started_at,
                "last_seen_at": now,
            },
        )
    return beat


def worker_heartbeat_forget(*, worker_id: str) -> None:
    """A worker that stops cleanly removes its row. Side effects: deletes it."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def worker_heartbeat_prune(*, older_than: timedelta) -> int:
    """Delete rows of workers silent for longer than `older_than`. Side effects: deletes them."""
    deleted, _ = WorkerHeartbeat.objects.filter(last_seen_at__lt=timezone.now() - older_than).delete()
    return deleted
