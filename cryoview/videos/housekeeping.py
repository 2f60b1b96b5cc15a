"""Media housekeeping: files with no row (orphans) and rows with no file (missing), in both stores.

Deleting a row removes its files after the transaction commits (video_delete, upload_delete); this module
catches what slipped through anyway (a crash between the two, a worker writing after its video was deleted,
an older version of the code) and is what `manage.py media_audit` and the periodic sweeper run.

It works on local folders and on buckets alike (storage.MediaStore: on object storage a folder is a prefix
and "changed" is the newest object's last-modified time).

Only the folders this app writes are judged: `uploads/` and `videos/` in the private store, `videos/` in the
public one. Inside a video's folder, the original, `out/` and `work/` belong to the row while it needs them.
Orphans are deleted only when nothing in them changed for a grace period (by mtime), so an upload being
written, a file just moved into a video's folder or a processing attempt is never touched.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from cryoview.videos import storage
from cryoview.videos.enums import ACTIVE_JOB_STATES, VideoStatus
from cryoview.videos.models import Upload, Video

logger = logging.getLogger(__name__)
PART_SUFFIX = ".part"
# What an upload keeps under uploads/: its bytes (a file, or on object storage the multipart upload's key and then
# the finished object) and, on object storage, the tail a short PATCH left (videos/upload_store.py).
UPLOAD_SUFFIXES = (PART_SUFFIX, ".tail")


def _upload_of(name: str) -> str | None:
    """The upload id an entry under uploads/ belongs to, or None for a name no upload writes."""
    base = _base(name)
    for suffix in UPLOAD_SUFFIXES:
        if base.endswith(suffix):
            return base.removesuffix(suffix)
    return None


@dataclass(frozen=True)
class StrayFile:
    """A file or folder (on object storage: an object or a prefix) that no row accounts for."""

    store: str  # "private" or "public"
    name: str  # relative to the store's root
    bytes: int
    modified: datetime  # the newest change anywhere inside it


@dataclass(frozen=True)
class MissingFile:
    """A row that points at (or needs) a file that is not there."""

    row: str
    name: str
    what: str


def _store(label: str) -> storage.MediaStore:
    return storage.private_store() if label == "private" else storage.public_store()


def _stray(label: str, store: storage.MediaStore, name: str) -> StrayFile:
    size, newest = store.tree_facts(name)
    modified = datetime.fromtimestamp(newest, tz=UTC)
    return StrayFile(store=label, name=name, bytes=size, modified=modified)


def _base(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def _chunks[T](items: list[T], size: int = 500) -> Iterator[list[T]]:
    """IN lists in pieces: SQLite refuses a query with more than a few thousand parameters."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _known_uploads(ids: set[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(sorted(ids)):
        found |= set(Upload.objects.filter(pk__in=chunk).values_list("pk", flat=True))
    return found


def _known_videos(keys: set[uuid.UUID], *, published_only: bool = False) -> dict[uuid.UUID, Video]:
    found: dict[uuid.UUID, Video] = {}
    for chunk in _chunks(sorted(keys)):
        rows = Video.objects.filter(pk__in=chunk).select_related("job")
        found.update((v.pk, v) for v in (rows.filter(is_published=True) if published_only else rows))
    return found


def _video_key(name: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(name)
    except ValueError:
        return None


def _kept_inside(video: Video, active: bool) -> set[str]:
    """The entries of a video's private folder its row still needs."""
    kept = set()
    if video.original_path:
        kept.add(video.original_path.rsplit("/", 1)[-1])
    if video.output_dir or active:
        kept.add(storage.OUT)  # a worker renames out/ into place before it records it
    if active:
        kept.add(storage.WORK)
    return kept


def _private_strays(store: storage.MediaStore) -> Iterator[StrayFile]:
    entries = store.children("uploads")
    known_uploads = _known_uploads({upload for e in entries if (upload := _upload_of(e.name)) is not None})
    for entry in entries:
        if _upload_of(entry.name) not in known_uploads:
            yield _stray("private", store, entry.name)
    folders = store.children("videos")
    keys = {key for e in folders if (key := _video_key(_base(e.name))) is not None}
    videos = _known_videos(keys)
    for folder in folders:
        video = videos.get(_video_key(_base(folder.name)))  # type: ignore[arg-type]
        if video is None or not folder.is_dir:
            yield _stray("private", store, folder.name)
            continue
        job = getattr(video, "job", None)
        active = job is not None and job.state in ACTIVE_JOB_STATES
        kept = _kept_inside(video, active)
        for entry in store.children(folder.name):
            if _base(entry.name) not in kept:
                yield _stray("private", store, entry.name)


def _public_strays(store: storage.MediaStore) -> Iterator[StrayFile]:
    folders = store.children("videos")
    keys = {key for e in folders if (key := _video_key(_base(e.name))) is not None}
    published = _known_videos(keys, published_only=True)
    for folder in folders:
        if _video_key(_base(folder.name)) not in published:
            yield _stray("public", store, folder.name)


def stray_files() -> list[StrayFile]:
    """Every file or folder, in both stores, that no row accounts for (whatever its age)."""
    strays = list(_private_strays(storage.private_store()))
    if not storage.stores_share_root():
        strays += _public_strays(storage.public_store())
    return strays


def missing_files() -> list[MissingFile]:
    """Every row whose file is not where it says (e.g. a ready video without its rendition)."""
    missing: list[MissingFile] = []
    store = storage.private_store()

    def check(row: str, name: str, what: str) -> None:
        if name and not store.exists(name):
            missing.append(MissingFile(row=row, name=name, what=what))

    # A local upload has its file from the start; on object storage the bytes are parts of a multipart upload
    # until the last PATCH, so only a finished upload must have its object.
    uploads = Upload.objects.all() if not store.is_remote else Upload.objects.filter(completed_at__isnull=False)
    for upload_id in uploads.values_list("pk", flat=True).iterator():
        check(f"upload {upload_id}", f"uploads/{upload_id}{PART_SUFFIX}", "partial upload")
    videos = Video.objects.prefetch_related("renditions", "captions").order_by("created_at")
    for video in videos.iterator(chunk_size=200):
        row = f"video {video.pk} ({video.status})"
        if video.status in (VideoStatus.QUEUED, VideoStatus.PROCESSING) and not video.original_path:
            missing.append(MissingFile(row=row, name=storage.original_name(video.pk), what="original"))
        check(row, video.original_path, "original")
        if video.status != VideoStatus.READY:
            continue
        check(row, video.output_dir, "output folder")
        check(row, video.poster_path, "poster")
        for rendition in video.renditions.all():
            check(row, rendition.path, f"rendition {rendition.height}p")
        for caption in video.captions.all():
            check(row, caption.path, f"captions ({caption.lang})")
    return missing


def orphan_grace() -> timedelta:
    return timedelta(hours=settings.CONFIG.orphan_grace_hours)


def orphans_delete(*, strays: list[StrayFile], grace: timedelta) -> list[StrayFile]:
    """Delete the strays nothing has touched for `grace`, checking each against the database once more
    just before (a row may have appeared since the scan). Side effects: files and folders in both stores.
    Returns what was deleted."""
    cutoff = timezone.now() - grace
    deleted = []
    for stray in strays:
        store = _store(stray.store)
        if stray.modified > cutoff or store.tree_facts(stray.name)[1] > cutoff.timestamp():
            continue
        if _claimed_now(stray):
            continue
        store.delete_tree(stray.name)
        logger.info("deleted orphaned %s media %s (%s bytes)", stray.store, stray.name, stray.bytes)
        deleted.append(stray)
    return deleted


def _claimed_now(stray: StrayFile) -> bool:
    parts = Path(stray.name).parts
    if len(parts) == 2 and parts[0] == "uploads" and parts[1].endswith(PART_SUFFIX):
        return Upload.objects.filter(pk=parts[1].removesuffix(PART_SUFFIX)).exists()
    if len(parts) == 2 and parts[0] == "videos" and (key := _video_key(parts[1])) is not None:
        rows = Video.objects.filter(pk=key)
        return (rows.filter(is_published=True) if stray.store == "public" else rows).exists()
    if len(parts) == 3 and parts[0] == "videos" and stray.store == "private":
        key = _video_key(parts[1])
        video = Video.objects.select_related("job").filter(pk=key).first() if key is not None else None
        if video is None:
            return False
        job = getattr(video, "job", None)
        return parts[2] in _kept_inside(video, job is not None and job.state in ACTIVE_JOB_STATES)
    return False  # a name we never write


def orphans_sweep(*, grace: timedelta | None = None) -> int:
    """The periodic job: delete files with no row, older than the grace period (CRYOVIEW_ORPHAN_GRACE_HOURS),
    and this machine's scratch folders nothing touched for as long (a killed process's leftovers whose video or
    upload never came back). Side effects: files and folders in both stores and in scratch. Returns how many
    entries went."""
    grace = grace if grace is not None else orphan_grace()
    return len(orphans_delete(strays=stray_files(), grace=grace)) + scratch_sweep(grace=grace)


def scratch_sweep(*, grace: timedelta) -> int:
    """Delete scratch folders (SCRATCH_DIR/videos/<id>, SCRATCH_DIR/uploads/<id>) unchanged for `grace`."""
    cutoff = (timezone.now() - grace).timestamp()
    deleted = 0
    for kind in ("videos", "uploads"):
        folder = Path(settings.SCRATCH_DIR) / kind
        for entry in sorted(folder.iterdir()) if folder.is_dir() else []:
            if storage.path_facts(entry)[1] <= cutoff:
                storage.remove_tree(entry)
                deleted += 1
    return deleted
