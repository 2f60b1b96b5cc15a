from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per running task worker, touched every few seconds; /healthz reads it."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    queues = models.CharField(max_length=255)
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return f"{self.worker_id}@{self.hostname}:{self.pid}"
