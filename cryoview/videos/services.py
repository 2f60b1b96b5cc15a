"""Writes of the videos app: turning uploads into videos, the job table, deletion, caption edits."""

from __future__ import annotations

import contextlib
import shutil
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cryoview.accounts.models import User
from cryoview.core.errors import ApplicationError, NotFoundError
from cryoview.core.visibility import visibility_changed
from cryoview.videos import storage
from cryoview.videos.enums import JobState, VideoStage, VideoStatus
from cryoview.videos.ffmpeg import Limits, MediaRejected, MediaToolError, probe
from cryoview.videos.models import Caption, Upload, Video, VideoJob
from cryoview.videos.permissions import can_change_video
from cryoview.videos.transcripts import (
    CueRow,
    Segment,
    cues_check,
    parse_webvtt,
    segments_to_json,
    to_webvtt,
    transcript_flags,
)
from cryoview.videos.uploads import (
    private_path,
    upload_bytes_exist,
    upload_bytes_move,
    upload_bytes_move_back,
    upload_bytes_to_file,
    upload_delete,
)


def limits_from_settings() -> Limits:
    config = settings.CONFIG
    long_side, short_side = config.video_max_resolution
    return Limits(
        max_bytes=config.upload_max_bytes,
        max_duration_s=float(config.video_max_seconds),
        max_width=long_side,
        max_height=short_side,
    )


def job_enqueue(*, job: VideoJob, delay_seconds: float = 0) -> None:
    """Queue the job's task once the surrounding transaction commits (DESIGN rule 4)."""
    from cryoview.videos.tasks import process_video  # tasks import services: import at call time

    job_id = job.pk

    def send() -> None:
        task = process_video
        if delay_seconds:
            task = task.using(run_after=timezone.now() + timedelta(seconds=delay_seconds))
        task.enqueue(job_id=job_id)

    transaction.on_commit(send)


# Longer than any check of a file can take (ffprobe and the decode check are bounded by their timeouts): a
# claim older than this belongs to a request that died, and another may take the upload over.
CLAIM_STALE_AFTER = timedelta(minutes=15)


class Busy(ApplicationError):
    def __init__(self, message: str) -> None:
        super().__init__(message=message, status=409, code="busy")


class UploadTerminated(ApplicationError):
    """Deleted (tus DELETE) or expired while this request was checking it: no verdict on the file."""

    def __init__(self) -> None:
        super().__init__(message="This upload was deleted; start a new one.", status=410, code="upload_gone")


def _video_of_upload(*, user: User, upload_id: str) -> Video | None:
    return Video.objects.filter(upload_id=upload_id, owner=user).first()


def _upload_claim(*, upload: Upload) -> datetime | None:
    """Take the upload for this request, or None if another request holds it.

    One conditional UPDATE: the database lets exactly one of several simultaneous requests (in any web
    process, on SQLite or PostgreSQL) set claimed_at, so only one checks and moves the file.
    """
    now = timezone.now()
    free = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_STALE_AFTER)
    return now if Upload.objects.filter(free, pk=upload.pk).update(claimed_at=now) else None


def _upload_release(*, upload: Upload, claimed_at: datetime) -> None:
    Upload.objects.filter(pk=upload.pk, claimed_at=claimed_at).update(claimed_at=None)


def video_create_from_upload(*, user: User, upload_id: str) -> tuple[Video, bool]:
    """Turn a completed upload into a video (idempotent: the same upload gives the same video).

    Checks the file with ffprobe first; a rejected file is deleted with its upload and nothing is kept.
    Simultaneous requests for one upload: one claims it and creates the video (201); the others answer
    that video (200) if it exists by then, else 409 busy. Never two videos, never a verdict on a file
    another request is moving.
    Side effects: moves the bytes to the video's folder, creates Video and VideoJob, enqueues processing.
    Returns (video, created).
    """
    upload_id = upload_id[:32]
    existing = _video_of_upload(user=user, upload_id=upload_id)
    if existing is not None:
        return existing, False
    upload = Upload.objects.filter(pk=upload_id, owner=user).first()
    if upload is None:
        # A simultaneous request may have turned it into a video between the two reads.
        existing = _video_of_upload(user=user, upload_id=upload_id)
        if existing is not None:
            return existing, False
        raise ApplicationError("No such upload.", status=404, code="not_found")
    if not upload.is_complete:
        raise ApplicationError(
            f"The upload is not complete: {upload.offset:,} of {upload.length:,} bytes arrived.",
            status=409,
            code="upload_incomplete",
        )
    claimed_at = _upload_claim(upload=upload)
    if claimed_at is None:
        existing = _video_of_upload(user=user, upload_id=upload_id)
        if existing is not None:
            return existing, False
        raise Busy("Another request is turning this upload into a video; ask again in a moment.")
    try:
        return _video_from_claimed(user=user, upload=upload), True
    except Exception:
        _upload_release(upload=upload, claimed_at=claimed_at)  # a no-op once the upload is deleted
        raise


@contextlib.contextmanager
def _upload_on_disk(*, upload: Upload) -> Iterator[Path]:
    """The upload's bytes as a local file for ffprobe: in place in a local store, else a scratch copy that is
    deleted afterwards. FileNotFoundError when the bytes are gone."""
    if not storage.private_store().is_remote:
        yield private_path(upload.storage_name)
        return
    # Named after the upload, which this request holds (claimed): a copy a killed web process left is replaced.
    folder = Path(settings.SCRATCH_DIR) / "uploads" / upload.pk
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    try:
        upload_bytes_to_file(upload=upload, path=folder / "original")
        yield folder / "original"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _video_from_claimed(*, user: User, upload: Upload) -> Video:
    if not upload_bytes_exist(upload=upload):
        raise UploadTerminated
    try:
        with _upload_on_disk(upload=upload) as source:
            probed = probe(source, limits_from_settings())
    except FileNotFoundError:
        raise UploadTerminated from None
    except MediaRejected as rejected:
        if not upload_bytes_exist(upload=upload):
            raise UploadTerminated from None  # the file vanished under ffprobe: not the file's fault
        upload_delete(upload=upload)
        raise ApplicationError(rejected.message, status=422, code=str(rejected.code)) from None
    except MediaToolError:
        if not upload_bytes_exist(upload=upload):
            raise UploadTerminated from None
        # Our side failed: nothing is deleted, and asking again tries again.
        raise Busy("The file could not be checked just now; try again in a moment.") from None
    video_id = uuid.uuid4()
    target = storage.original_name(video_id)
    store = storage.private_store()
    try:
        upload_bytes_move(upload=upload, name=target)
    except FileNotFoundError:
        # Terminated (tus DELETE) while it was being checked.
        store.delete_tree(storage.video_prefix(video_id))
        raise UploadTerminated from None
    try:
        with transaction.atomic():
            video = Video.objects.create(
                id=video_id,
                owner=user,
                upload_id=upload.id,
                original_name=upload.filename,
                original_path=target,
                duration=probed.duration,
                width=probed.width,
                height=probed.height,
            )
            job = VideoJob.objects.create(video=video, enqueued_at=timezone.now())
            upload.delete()
            job_enqueue(job=job)
    except Exception:
        upload_bytes_move_back(upload=upload, name=target)
        store.delete_tree(storage.video_prefix(video_id))
        raise
    return video


def video_delete(*, video: Video) -> None:
    """Delete a video and every derivative. Side effects: its rows, then (once the transaction commits)
    its folders in the private and public stores (original, renditions, poster, captions, transcript).
    A worker processing it notices and throws its work away; the orphan sweeper catches what it writes late.
    Callers that show videos (reviews) use reviews' video_remove, which also updates what they derived."""
    prefix = storage.video_prefix(video.pk)  # delete() forgets the pk
    with transaction.atomic():
        video.delete()
        for store in (storage.private_store(), storage.public_store()):
            store.delete_tree_on_commit(prefix)


def video_set_published(*, video: Video, published: bool, title: str = "") -> None:
    """Make a ready video visible to everyone (or to its owner and moderators only again).

    The caller (a review being published or withdrawn) decides, and names it: `title` is what everyone
    sees (a review's title), never the uploaded file's name; videos knows nothing of reviews.
    Side effects: updates is_published (and public_title when given); media responses change their
    cache headers accordingly. On object storage, publishing first copies the outputs to the public bucket
    (videos/<id>/<name>, served from there) and withdrawing deletes those copies once the transaction commits.
    """
    if published and video.status != VideoStatus.READY:
        raise ApplicationError("The video is not ready yet.", status=409, code="video_not_ready")
    public = storage.public_store()
    if published and public.is_remote:
        _public_copies_write(video=video)
    fields: dict[str, object] = {"is_published": published}
    if title:
        fields["public_title"] = video.public_title = title[:200]
    Video.objects.filter(pk=video.pk).update(**fields)
    video.is_published = published
    visibility_changed(kind="video", pk=video.pk)
    if not published and public.is_remote:
        public.delete_tree_on_commit(storage.video_prefix(video.pk))


def _public_copies_write(*, video: Video, names: tuple[str, ...] = ()) -> None:
    """Copy a video's outputs (or only `names`) to the public bucket under videos/<id>/. Copies that a
    rollback leaves behind belong to no published video: the orphan sweeper deletes them."""
    private, public = storage.private_store(), storage.public_store()
    for name in names or tuple(private.files(video.output_dir)):
        if not name.endswith(f"/{storage.MANIFEST}"):
            private.copy_to(public, name, target=f"{storage.video_prefix(video.pk)}/{name.rsplit('/', 1)[-1]}")


def jobs_sweep(*, stale_after: timedelta | None = None) -> int:
    """Re-queue jobs whose worker stopped beating (killed, machine lost). Side effects: job rows, tasks."""
    stale_after = stale_after or timedelta(seconds=settings.CONFIG.job_stale_seconds)
    cutoff = timezone.now() - stale_after
    requeued = 0
    for job in VideoJob.objects.filter(state=JobState.RUNNING, heartbeat_at__lt=cutoff):
        with transaction.atomic():
            updated = VideoJob.objects.filter(pk=job.pk, state=JobState.RUNNING, heartbeat_at__lt=cutoff).update(
                state=JobState.QUEUED, worker_id="", last_error="the worker stopped; re-queued"
            )
            if updated:
                Video.objects.filter(pk=job.video_id).update(stage=VideoStage.WAITING, status=VideoStatus.QUEUED)
                job_enqueue(job=job)
                requeued += 1
    return requeued


def captions_update(*, video: Video, lang: str, vtt: str, by: User) -> Caption:
    """The owner edits the automatic captions before publishing. Side effects: rewrites the file and row."""
    _captions_editable(video=video, by=by)
    if len(vtt) > 500_000:
        raise ApplicationError("Captions are limited to 500,000 characters.", code="too_long")
    try:
        segments = parse_webvtt(vtt)
    except ValueError as error:
        raise ApplicationError(f"The captions are not valid WebVTT: {error}.", code="bad_vtt") from None
    return _captions_write(video=video, lang=lang, segments=segments)


def captions_update_cues(*, video: Video, lang: str, rows: list[CueRow], by: User) -> Caption:
    """The owner's caption editor: rows of start, end and words, checked one by one (cues_check, through
    the strict time parser) and written back as WebVTT. Side effects: as captions_update."""
    _captions_editable(video=video, by=by)
    segments = cues_check(rows, duration=video.duration)
    return _captions_write(video=video, lang=lang, segments=segments)


def _captions_editable(*, video: Video, by: User) -> None:
    if not can_change_video(by, video):
        raise NotFoundError("No such video.")
    if not video.is_ready:
        raise ApplicationError("Captions can be edited once the video is ready.", status=409, code="not_ready")


def _captions_write(*, video: Video, lang: str, segments: list[Segment]) -> Caption:
    caption = Caption.objects.filter(video=video, lang=lang).first()
    if caption is None:
        raise NotFoundError(f"No {lang!r} captions for this video.")
    store = storage.private_store()
    transcript_name = f"{caption.path.rsplit('/', 1)[0]}/transcript.json"
    store.write_text(caption.path, to_webvtt(segments))
    with transaction.atomic():
        caption.automatic = False
        caption.edited_at = timezone.now()
        caption.save(update_fields=["automatic", "edited_at"])
        transcript = getattr(video, "transcript", None)
        if transcript is not None:
            transcript.segments = [s.__dict__ for s in segments]
            transcript.flags = transcript_flags(transcript.segments)
            transcript.save(update_fields=["segments", "flags"])
        visibility_changed(kind="video", pk=video.pk)
    store.write_text(transcript_name, segments_to_json(segments))
    if video.is_published and storage.public_store().is_remote:
        _public_copies_write(video=video, names=(caption.path, transcript_name))
    return caption
