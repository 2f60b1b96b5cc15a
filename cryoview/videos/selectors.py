from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Avg, QuerySet

from cryoview.accounts.models import User
from cryoview.core.health import StatusFact, time_ago
from cryoview.videos.enums import ACTIVE_JOB_STATES, JobState
from cryoview.videos.models import Video, VideoJob
from cryoview.videos.permissions import can_change_video, can_see_video

DEFAULT_SECONDS_PER_SECOND = 0.75  # measured: 60 s of 1080x1920 → both renditions + captions in ~45 s on 2 cores


def video_can_view(*, video: Video, user: User | None) -> bool:
    """Unpublished videos are visible to their owner and to moderators only (permissions.can_see_video)."""
    return can_see_video(user, video)


def video_get_for(*, video_id: uuid.UUID | str, user: User | None) -> Video | None:
    try:
        key = uuid.UUID(str(video_id))
    except ValueError:
        return None
    video = (
        Video.objects.select_related("job", "transcript")
        .prefetch_related("renditions", "captions")
        .filter(pk=key)
        .first()
    )
    if video is None or not video_can_view(video=video, user=user):
        return None
    return video


def video_deletable_by(*, user: User, video_id: uuid.UUID | str) -> Video | None:
    """The video if `user` may delete it (its owner, or a moderator); None otherwise, as for no video."""
    try:
        key = uuid.UUID(str(video_id))
    except ValueError:
        return None
    video = Video.objects.filter(pk=key).first()
    if video is None or not can_change_video(user, video):
        return None
    return video


def videos_of(*, user: User) -> QuerySet[Video]:
    return Video.objects.filter(owner=user).select_related("job").order_by("-created_at")


@dataclass(frozen=True)
class QueueInfo:
    position: int | None
    eta_seconds: int | None


def processing_rate() -> float:
    """Seconds of processing per second of video, from the last finished jobs."""
    recent = (
        VideoJob.objects.filter(state=JobState.SUCCEEDED, video__duration__gt=0, started_at__isnull=False)
        .select_related("video")
        .order_by("-finished_at")[:20]
    )
    rates = [
        (job.finished_at - job.started_at).total_seconds() / (job.video.duration or 1.0)
        for job in recent
        if job.finished_at and job.started_at
    ]
    return sum(rates) / len(rates) if rates else DEFAULT_SECONDS_PER_SECOND


def queue_info(*, video: Video) -> QueueInfo:
    """Position among the jobs waiting ahead (0: being processed) and an estimate of time to ready."""
    job = getattr(video, "job", None)
    if job is None or job.state not in ACTIVE_JOB_STATES:
        return QueueInfo(None, None)
    rate = processing_rate()
    remaining_own = (video.duration or 60.0) * rate * (1.0 - video.progress)
    if job.state == JobState.RUNNING:
        return QueueInfo(0, int(remaining_own) + 1)
    ahead = VideoJob.objects.filter(state__in=ACTIVE_JOB_STATES, enqueued_at__lt=job.enqueued_at)
    waiting = ahead.aggregate(total=Avg("video__duration"))["total"] or 0.0
    count = ahead.count()
    return QueueInfo(count, int(remaining_own + count * waiting * rate) + 1)


def status_facts() -> list[StatusFact]:
    """The status page's lines about videos (settings.CRYOVIEW_STATUS_FACTS): the last one processed."""
    last = Video.objects.filter(ready_at__isnull=False).order_by("-ready_at").values_list("ready_at", flat=True).first()
    waiting = VideoJob.objects.filter(state__in=ACTIVE_JOB_STATES).count()
    when = f"{last:%-d %B %Y, %H:%M} UTC" if last is not None else "None yet."
    facts = [StatusFact("Last video processed", when if last is None else f"{when} ({time_ago(last)}).")]
    facts.append(
        StatusFact("Videos being processed", f"{waiting} waiting or in progress." if waiting else "None right now.")
    )
    return facts
