"""The processing pipeline: probe → one-decode transcode → captions → atomic publish.

Locally every attempt works in its own folder and only a finished attempt is renamed into place (out/); on
object storage an attempt works in a scratch folder and puts its outputs under its own prefix, the manifest
last. Either way the database flips last, and a re-run that finds a complete set only records it, so there is
never a second set of outputs.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cryoview.core.errors import ServiceUnavailable
from cryoview.videos import storage
from cryoview.videos.enums import JobState, VideoStage, VideoStatus
from cryoview.videos.ffmpeg import MediaRejected, MediaToolError, TranscodeSpec, probe, run_transcode
from cryoview.videos.models import Caption, Rendition, Transcript, Video, VideoJob
from cryoview.videos.services import job_enqueue, limits_from_settings
from cryoview.videos.transcripts import segments_to_json, to_webvtt, transcribe, transcript_flags

logger = logging.getLogger(__name__)
BACKOFF_SECONDS = (10, 60, 300)
STAGE_SHARE = {VideoStage.PROBE: (0.0, 0.02), VideoStage.TRANSCODE: (0.02, 0.75), VideoStage.CAPTIONS: (0.75, 0.98)}


class Cancelled(Exception):
    """The video was deleted while we worked on it."""


class Superseded(Exception):
    """The sweeper gave our job to another worker (we looked dead): stop, and leave the files to it."""


@dataclass
class StageTimer:
    timings: dict[str, float]

    def run(self, name: str, work: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        try:
            return work()
        finally:
            self.timings[name] = round(time.perf_counter() - started, 3)


class Reporter:
    """Writes stage, progress and the job heartbeat, at most twice a second; notices deletion."""

    def __init__(self, video_id: uuid.UUID, job_id: int, worker_id: str) -> None:
        self.video_id = video_id
        self.job_id = job_id
        self.worker_id = worker_id
        self.last = 0.0

    def stage(self, stage: VideoStage) -> None:
        share = STAGE_SHARE.get(stage, (0.98, 1.0))[0]
        self.write(stage=stage, progress=share, force=True)

    def fraction(self, stage: VideoStage) -> Callable[[float], None]:
        low, high = STAGE_SHARE[stage]
        return lambda done: self.write(progress=low + (high - low) * max(0.0, min(1.0, done)))

    def write(self, *, progress: float, stage: VideoStage | None = None, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < 0.5:
            return
        self.last = now
        fields: dict[str, Any] = {"progress": round(progress, 4)}
        if stage is not None:
            fields.update(stage=stage, status=VideoStatus.PROCESSING)
        if not Video.objects.filter(pk=self.video_id).update(**fields):
            raise Cancelled
        mine = VideoJob.objects.filter(pk=self.job_id, worker_id=self.worker_id, state=JobState.RUNNING)
        if not mine.update(heartbeat_at=timezone.now()):
            raise Superseded


def _claim(job_id: int, worker_id: str) -> VideoJob | None:
    with transaction.atomic():
        job = VideoJob.objects.select_for_update().select_related("video").filter(pk=job_id).first()
        if job is None or job.state in (JobState.SUCCEEDED, JobState.FAILED):
            return None
        now = timezone.now()
        stale = timedelta(seconds=settings.CONFIG.job_stale_seconds)
        if job.state == JobState.RUNNING and job.heartbeat_at and now - job.heartbeat_at < stale:
            return None  # a duplicate delivery while a live worker has it
        job.state = JobState.RUNNING
        job.attempts += 1
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.worker_id = worker_id
        job.save(update_fields=["state", "attempts", "started_at", "heartbeat_at", "worker_id"])
    return job


def video_process(*, job_id: int, worker_id: str = "", timings: dict[str, float] | None = None) -> str:
    """Run (or finish) one job. Side effects: files in the video's folder, rows, the job's state.

    Returns the job's final state for this run.
    """
    worker_id = (worker_id or f"pid-{os.getpid()}")[:64]
    job = _claim(job_id, worker_id)
    if job is None:
        return "skipped"
    video = job.video
    reporter = Reporter(video.pk, job.pk, worker_id)
    timer = StageTimer(timings if timings is not None else {})
    try:
        output = _complete_output(video.pk)
        if output is None:
            output = _produce(video, job, reporter, timer)
        reporter.stage(VideoStage.PUBLISH)
        timer.run("publish", lambda: _record(video.pk, job.pk, worker_id, output))
    except Cancelled:
        with contextlib.suppress(ServiceUnavailable):  # the orphan sweeper takes what is left
            storage.private_store().delete_tree(storage.video_prefix(video.pk))
        return "cancelled"
    except Superseded:
        return "superseded"
    except MediaRejected as rejected:
        _fail(job.pk, video.pk, str(rejected.code), rejected.message)
        return JobState.FAILED
    except ServiceUnavailable as error:
        return _retry_later(job.pk, video.pk, error)
    except (MediaToolError, OSError, RuntimeError, ValueError) as error:
        return _retry_or_fail(job.pk, video.pk, error)
    return JobState.SUCCEEDED


def _complete_output(video_id: uuid.UUID) -> str | None:
    """The name of a complete set of outputs an earlier attempt left unrecorded (it died between the publish
    and the database), or None. Locally that is out/ (renamed into place whole); on object storage an attempt's
    prefix with its manifest (written last)."""
    store = storage.private_store()
    out = storage.out_prefix(video_id)
    if not store.is_remote:
        return out if store.exists(f"{out}/{storage.MANIFEST}") else None
    sets = [name.rsplit("/", 1)[0] for name in store.files(out) if name.endswith(f"/{storage.MANIFEST}")]
    return max(sets, key=lambda name: int(name.rsplit("-", 1)[-1])) if sets else None


def _produce(video: Video, job: VideoJob, reporter: Reporter, timer: StageTimer) -> str:
    """Make the outputs and publish them whole; returns their folder's name."""
    if storage.private_store().is_remote:
        return _produce_remote(video, job, reporter, timer)
    work = storage.attempt_dir(video.pk, job.attempts)
    # Older attempts belong to workers that died: their partial outputs are thrown away.
    storage.remove_tree(work.parent)
    work.mkdir(parents=True)
    manifest = _transcode(storage.absolute(video.original_path), work, reporter, timer)
    (work / storage.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    out = storage.out_dir(video.pk)
    storage.remove_tree(out)
    work.replace(out)  # the atomic publish of the files
    storage.remove_tree(work.parent)
    return storage.out_prefix(video.pk)


def _produce_remote(video: Video, job: VideoJob, reporter: Reporter, timer: StageTimer) -> str:
    """Object storage: the original down to a scratch folder, ffmpeg on local files (never a URL), the outputs
    up under this attempt's prefix, the manifest last. The scratch folder is emptied whatever happens."""
    store = storage.private_store()
    prefix = storage.attempt_out_prefix(video.pk, job.attempts)
    # No complete set exists (checked before): what is under out/ is a dead attempt's partial set.
    store.delete_tree(storage.out_prefix(video.pk))
    with storage.scratch(video.pk, job.attempts) as folder:
        source = folder / "original"
        timer.run("download", lambda: store.fetch_file(video.original_path, source))
        work = folder / storage.OUT
        work.mkdir()
        manifest = _transcode(source, work, reporter, timer)

        def upload() -> None:
            for path in sorted(work.iterdir()):
                store.put_file(f"{prefix}/{path.name}", path)
            store.write_text(f"{prefix}/{storage.MANIFEST}", json.dumps(manifest))

        timer.run("upload", upload)
    return prefix


def _transcode(source: Path, work: Path, reporter: Reporter, timer: StageTimer) -> dict[str, Any]:
    """probe → transcode → captions on local files, into `work`; returns the manifest (not yet written)."""
    limits = limits_from_settings()
    reporter.stage(VideoStage.PROBE)
    probed = timer.run("probe", lambda: probe(source, limits))
    reporter.stage(VideoStage.TRANSCODE)
    spec = TranscodeSpec(input_path=source, output_dir=work, limits=limits)
    result = timer.run("transcode", lambda: run_transcode(spec, probed, reporter.fraction(VideoStage.TRANSCODE)))
    manifest: dict[str, Any] = {
        "duration": probed.duration,
        "width": probed.width,
        "height": probed.height,
        "renditions": [
            {
                "height": r.rendition.short_side,
                "file": r.file.path.name,
                "bytes": r.file.size_bytes,
                "width": r.file.width,
                "pixel_height": r.file.height,
            }
            for r in result.renditions
        ],
        "poster": result.poster.path.name,
        "captions": [],
    }
    if settings.CONFIG.captions and result.audio_16k is not None:
        reporter.stage(VideoStage.CAPTIONS)
        transcript = timer.run(
            "captions",
            lambda: transcribe(
                result.audio_16k.path,
                model_path=settings.CONFIG.whisper_model,
                limits=limits,
                on_progress=reporter.fraction(VideoStage.CAPTIONS),
            ),
        )
        vtt = work / f"captions.{transcript.lang}.vtt"
        vtt.write_text(to_webvtt(transcript.segments), encoding="utf-8")
        (work / "transcript.json").write_text(segments_to_json(transcript.segments), encoding="utf-8")
        manifest["captions"] = [{"lang": transcript.lang, "file": vtt.name, "model": transcript.model_name}]
    if result.audio_16k is not None:
        result.audio_16k.path.unlink(missing_ok=True)  # only needed for speech recognition
    return manifest


def _record(video_id: uuid.UUID, job_id: int, worker_id: str, out: str) -> None:
    store = storage.private_store()
    manifest = json.loads(store.read_text(f"{out}/{storage.MANIFEST}"))
    segments = json.loads(store.read_text(f"{out}/transcript.json")) if manifest["captions"] else []
    with transaction.atomic():
        video = Video.objects.select_for_update().filter(pk=video_id).first()
        if video is None:
            raise Cancelled
        if not VideoJob.objects.filter(pk=job_id, worker_id=worker_id, state=JobState.RUNNING).exists():
            raise Superseded
        video.renditions.all().delete()
        video.captions.all().delete()
        Transcript.objects.filter(video=video).delete()
        Rendition.objects.bulk_create(
            [
                Rendition(
                    video=video,
                    height=r["pixel_height"],
                    width=r["width"],
                    bytes=r["bytes"],
                    path=f"{out}/{r['file']}",
                )
                for r in manifest["renditions"]
            ]
        )
        for caption in manifest["captions"]:
            Caption.objects.create(video=video, lang=caption["lang"], path=f"{out}/{caption['file']}")
            Transcript.objects.create(
                video=video,
                lang=caption["lang"],
                segments=segments,
                model_name=caption["model"],
                flags=transcript_flags(segments),
            )
        video.poster_path = f"{out}/{manifest['poster']}"
        video.output_dir = out
        video.duration, video.width, video.height = manifest["duration"], manifest["width"], manifest["height"]
        video.status, video.stage, video.progress = VideoStatus.READY, VideoStage.DONE, 1.0
        video.error_code = video.error_message = ""
        video.ready_at = timezone.now()
        keep = settings.CONFIG.keep_originals
        original = video.original_path
        if not keep:
            video.original_path = ""
        video.save()
        VideoJob.objects.filter(pk=job_id).update(
            state=JobState.SUCCEEDED, finished_at=timezone.now(), heartbeat_at=timezone.now(), last_error=""
        )
    if not keep and original:
        store.delete_tree_on_commit(original)
    if store.is_remote:
        transaction.on_commit(lambda: _drop_other_sets(video_id, out))


def _drop_other_sets(video_id: uuid.UUID, kept: str) -> None:
    """A worker the sweeper took for dead may have finished a set of its own meanwhile: only the recorded set
    stays. A store that is down now leaves it to the next look (the job has succeeded all the same)."""
    store = storage.private_store()
    with contextlib.suppress(ServiceUnavailable):
        for entry in store.children(storage.out_prefix(video_id)):
            if entry.name != kept:
                store.delete_tree(entry.name)


def _fail(job_id: int, video_id: uuid.UUID, code: str, message: str) -> None:
    with transaction.atomic():
        Video.objects.filter(pk=video_id).update(status=VideoStatus.FAILED, error_code=code[:40], error_message=message)
        VideoJob.objects.filter(pk=job_id).update(
            state=JobState.FAILED, finished_at=timezone.now(), last_error=f"{code}: {message}"[:2000]
        )
    transaction.on_commit(lambda: video_failed_mail(video_id=video_id))
    store = storage.private_store()
    # A failed video keeps its original (the owner may ask again) and nothing half-made.
    half_made = storage.out_prefix(video_id) if store.is_remote else f"{storage.video_prefix(video_id)}/{storage.WORK}"
    with contextlib.suppress(ServiceUnavailable):
        store.delete_tree(half_made)


def video_failed_mail(*, video_id: uuid.UUID) -> bool:
    """Tell the owner, in the words the video page uses, that their video will not play and what to do (they may
    have closed the page long ago). Side effects: one e-mail. Returns whether it was sent."""
    video = Video.objects.filter(pk=video_id, status=VideoStatus.FAILED).select_related("owner").first()
    if video is None or not video.owner.is_active or not video.owner.email:
        return False
    context = {
        "video": video,
        "owner": video.owner,
        "link": settings.CONFIG.site_url + reverse("videos:player", kwargs={"video_id": video.pk}),
        "upload_link": settings.CONFIG.site_url + reverse("videos:upload"),
    }
    EmailMessage(
        subject=settings.EMAIL_SUBJECT_PREFIX + render_to_string("videos/email/failed_subject.txt", context).strip(),
        body=render_to_string("videos/email/failed.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[video.owner.email],
    ).send()
    return True


def _retry_later(job_id: int, video_id: uuid.UUID, error: ServiceUnavailable) -> str:
    """The object store could not be reached: not the video's fault, so the attempt does not count, and the
    job waits and tries again (processing resumes when the store is back)."""
    logger.warning("video job %s: %s; retrying in %s s", job_id, error, error.retry_after)
    with transaction.atomic():
        job = VideoJob.objects.select_for_update().get(pk=job_id)
        job.attempts = max(0, job.attempts - 1)
        job.state = JobState.RETRYING
        job.last_error = f"object store unavailable: {error}"[:2000]
        job.next_attempt_at = timezone.now() + timedelta(seconds=error.retry_after)
        job.save(update_fields=["attempts", "state", "last_error", "next_attempt_at"])
        Video.objects.filter(pk=video_id).update(status=VideoStatus.QUEUED, stage=VideoStage.WAITING)
        job_enqueue(job=job, delay_seconds=error.retry_after)
    return JobState.RETRYING


def _retry_or_fail(job_id: int, video_id: uuid.UUID, error: Exception) -> str:
    job = VideoJob.objects.get(pk=job_id)
    text = f"{error.__class__.__name__}: {error}"[:2000]
    logger.warning("video job %s attempt %s failed: %s", job_id, job.attempts, text)
    if job.attempts >= job.max_attempts:
        _fail(
            job_id,
            video_id,
            "processing_failed",
            "We could not process this video after several attempts. Our team has been told; try again later.",
        )
        return JobState.FAILED
    delay = BACKOFF_SECONDS[min(job.attempts - 1, len(BACKOFF_SECONDS) - 1)]
    with transaction.atomic():
        job.state = JobState.RETRYING
        job.last_error = text
        job.next_attempt_at = timezone.now() + timedelta(seconds=delay)
        job.save(update_fields=["state", "last_error", "next_attempt_at"])
        Video.objects.filter(pk=video_id).update(status=VideoStatus.QUEUED, stage=VideoStage.WAITING)
        job_enqueue(job=job, delay_seconds=delay)
    return JobState.RETRYING


def process_local_file(path: Path, out: Path) -> dict[str, float]:
    """`manage.py process_video`: the same steps on a local file, without the database."""
    from cryoview.videos.transcripts import transcribe as run_captions

    timings: dict[str, float] = {}
    timer = StageTimer(timings)
    limits = limits_from_settings()
    out.mkdir(parents=True, exist_ok=True)
    probed = timer.run("probe", lambda: probe(path, limits))
    spec = TranscodeSpec(input_path=path.resolve(), output_dir=out.resolve(), limits=limits)
    result = timer.run("transcode", lambda: run_transcode(spec, probed, None))
    if result.audio_16k is not None and settings.CONFIG.captions:
        transcript = timer.run(
            "captions",
            lambda: run_captions(result.audio_16k.path, model_path=settings.CONFIG.whisper_model, limits=limits),
        )
        (out / f"captions.{transcript.lang}.vtt").write_text(to_webvtt(transcript.segments), encoding="utf-8")
    return timings
