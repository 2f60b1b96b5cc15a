"""Thin tasks: ids in, one service call (DESIGN rule 4). Job state lives in VideoJob, not in the queue."""

from __future__ import annotations

import os
import socket

from django.tasks import task

from cryoview.videos.pipeline import video_process
from cryoview.videos.services import jobs_sweep
from cryoview.videos.uploads import uploads_expire


@task()
def process_video(job_id: int) -> str:
    return str(video_process(job_id=job_id, worker_id=f"{socket.gethostname()}:{os.getpid()}"))


def maintenance() -> dict[str, int]:
    """Run by every worker every few seconds: re-queue jobs of dead workers, delete expired uploads."""
    return {"requeued": jobs_sweep(), "expired_uploads": uploads_expire()}
