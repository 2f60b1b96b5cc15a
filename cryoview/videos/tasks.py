"""Thin tasks: ids in, one service call (DESIGN rule 4). Job state lives in VideoJob, not in the queue."""

from __future__ import annotations

import os
import socket

from django.core.cache import cache
from django.tasks import task

from cryoview.videos.housekeeping import orphans_sweep
from cryoview.videos.pipeline import video_process
from cryoview.videos.services import jobs_sweep
from cryoview.videos.uploads import uploads_expire

# Walking both stores is not free: once an hour is plenty for files that wait a day anyway. The shared
# cache makes it once an hour for all workers together.
ORPHAN_SWEEP_EVERY_SECONDS = 3600
ORPHAN_SWEEP_KEY = "videos:orphan-sweep"


@task()
def process_video(job_id: int) -> str:
    return str(video_process(job_id=job_id, worker_id=f"{socket.gethostname()}:{os.getpid()}"))


def maintenance() -> dict[str, int]:
    """Run by every worker every few seconds: re-queue jobs of dead workers, delete expired uploads, and
    once an hour delete media files that no row accounts for (after CRYOVIEW_ORPHAN_GRACE_HOURS)."""
    done = {"requeued": jobs_sweep(), "expired_uploads": uploads_expire()}
    if cache.add(ORPHAN_SWEEP_KEY, True, timeout=ORPHAN_SWEEP_EVERY_SECONDS):
        done["orphaned_media_deleted"] = orphans_sweep()
    return done
