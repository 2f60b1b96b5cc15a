from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from cryoview.accounts.models import User
from cryoview.core.health import StatusFact, time_ago
from cryoview.videos.enums import ACTIVE_JOB_STATES, JobState
from cryoview.videos.models import Video, VideoJob
from cryoview.videos.permissions import can_change_video, can_see_video

# Below this share of its own work, a running job has not shown its pace yet (the probe is ~2 %).
MIN_PROGRESS_FOR_PACE = 0.05
RECENT_JOBS = 20


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
    """position: jobs ahead (0: being processed). eta_seconds: None means "estimating…": there is no
    measurement yet to base it on, and a guess would be wrong (a constant once said "5 s" for 40 s)."""

    position: int | None
    eta_seconds: int | None


@dataclass(frozen=True)
class Throughput:
    """Processing time ≈ overhead + per_second * the clip's duration, fitted on the last finished jobs
    (loading the speech model and starting ffmpeg cost the same for a 4 s and a 60 s clip)."""

    overhead: float
    per_second: float

    def seconds_for(self, duration: float) -> float:
        return self.overhead + self.per_second * duration


def fit_throughput(samples: list[tuple[float, float]]) -> Throughput | None:
    """Least squares over (duration, seconds) pairs; None without data. Pure, table-tested."""
    points = [(d, t) for d, t in samples if d > 0 and t >= 0]
    if not points:
        return None
    n = len(points)
    mean_d = sum(d for d, _ in points) / n
    mean_t = sum(t for _, t in points) / n
    spread = sum((d - mean_d) ** 2 for d, _ in points)
    if n < 3 or spread < 1.0:
        # Too few or too alike to separate the overhead: the mean pace per second of video.
        return Throughput(0.0, sum(t / d for d, t in points) / n)
    slope = sum((d - mean_d) * (t - mean_t) for d, t in points) / spread
    if slope <= 0:
        return Throughput(0.0, mean_t / mean_d)
    overhead = mean_t - slope * mean_d
    if overhead < 0:
        return Throughput(0.0, mean_t / mean_d)
    return Throughput(overhead, slope)


def processing_throughput() -> Throughput | None:
    """How long the last finished jobs took for their clips' durations (first attempts only: a retry's
    time includes its back-off)."""
    recent = (
        VideoJob.objects.filter(
            state=JobState.SUCCEEDED,
            attempts=1,
            video__duration__gt=0,
            started_at__isnull=False,
            finished_at__isnull=False,
        )
        .order_by("-finished_at")
        .values_list("video__duration", "started_at", "finished_at")[:RECENT_JOBS]
    )
    return fit_throughput(
        [
            (duration, (finished - started).total_seconds())
            for duration, started, finished in recent
            if duration and started and finished
        ]
    )


def own_pace_remaining(*, job: VideoJob, progress: float, now: datetime) -> float | None:
    """Time left measured on this very job: elapsed / progress so far. None before it has shown a pace."""
    if job.attempts != 1 or job.started_at is None or progress < MIN_PROGRESS_FOR_PACE:
        return None
    elapsed = (now - job.started_at).total_seconds()
    if elapsed < 1.0:
        return None
    return elapsed * (1.0 - progress) / progress


def queue_info(*, video: Video) -> QueueInfo:
    """Position among the jobs waiting ahead (0: being processed) and an estimate of the time to ready,
    from this clip's duration and the measured throughput; None ("estimating…") until there is data."""
    job = getattr(video, "job", None)
    if job is None or job.state not in ACTIVE_JOB_STATES:
        return QueueInfo(None, None)
    throughput = processing_throughput()
    if job.state == JobState.RUNNING:
        remaining = own_pace_remaining(job=job, progress=video.progress, now=timezone.now())
        if remaining is None and throughput is not None and video.duration:
            remaining = throughput.seconds_for(video.duration) * (1.0 - video.progress)
        return QueueInfo(0, None if remaining is None else math.ceil(remaining))
    ahead = VideoJob.objects.filter(state__in=ACTIVE_JOB_STATES, enqueued_at__lt=job.enqueued_at)
    found = ahead.aggregate(count=Count("pk"), total=Sum("video__duration"))
    count = found["count"] or 0
    if throughput is None or not video.duration:
        return QueueInfo(count, None)
    waiting = count * throughput.overhead + throughput.per_second * (found["total"] or 0.0)
    return QueueInfo(count, math.ceil(waiting + throughput.seconds_for(video.duration)))


@dataclass(frozen=True)
class VideoUse:
    """Where a video is shown (a review): its human title and the page it belongs to; for an embed, also who
    made it and the guide it is about (url and guide_url are None for a viewer who may not open them)."""

    title: str
    url: str | None
    author_name: str = ""
    guide_name: str = ""
    guide_url: str | None = None


VideoUseFinder = Callable[[Video, "User | None"], "VideoUse | None"]
_use_finders: list[VideoUseFinder] = []


def register_video_use(finder: VideoUseFinder) -> None:
    """Apps above videos (reviews) say where a video is used; videos never imports them (DESIGN rule 3)."""
    if finder not in _use_finders:
        _use_finders.append(finder)


def video_use(*, video: Video, user: User | None) -> VideoUse | None:
    for finder in _use_finders:
        found = finder(video, user)
        if found is not None:
            return found
    return None


def video_embeddable(*, video: Video) -> VideoUse | None:
    """Where a visitor without an account may watch `video` outside Cryoview: the same rules as its page for
    that visitor (video_get_for, video_use), and it must be ready and shown by a review they may open. None:
    not embeddable (the edge answers 404, as for no video)."""
    if not (video.is_ready and video_can_view(video=video, user=None)):
        return None
    use = video_use(video=video, user=None)
    return use if use is not None and use.url is not None else None


def video_get_embeddable(*, video_id: uuid.UUID | str) -> tuple[Video, VideoUse] | None:
    """The video behind an embed or an oEmbed answer, with its review, or None (unknown, not ready, not public)."""
    video = video_get_for(video_id=video_id, user=None)
    use = video_embeddable(video=video) if video is not None else None
    return (video, use) if video is not None and use is not None else None


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
