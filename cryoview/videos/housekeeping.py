"""Media housekeeping: files with no row (orphans) and rows with no file (missing), in both stores.

Deleting a row removes its files after the transaction commits (video_delete, upload_delete); this module
catches what slipped through anyway (a crash between the two, a worker writing after its video was deleted,
an older version of the code) and is what `manage.py media_audit` and the periodic sweeper run.

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


@dataclass(frozen=True)
class StrayFile:
    """A file or folder that no row accounts for."""

    store: str  # "private" or "public"
    name: str  # relative to the store's root
    path: Path
    bytes: int
    modified: datetime  # the newest change anywhere inside it


@dataclass(frozen=True)
class MissingFile:
    """A row that points at (or needs) a file that is not there."""

    row: str
    name: str
    what: str


def _tree_facts(path: Path) -> tuple[int, float]:
    """(bytes, newest mtime) of a file or a folder and everything in it."""
    try:
        stat = path.lstat()
    except FileNotFoundError:
        return 0, 0.0
    if not path.is_dir() or path.is_symlink():
        return stat.st_size, stat.st_mtime
    size, newest = 0, stat.st_mtime
    for child in path.rglob("*"):
        try:
            child_stat = child.lstat()
        except FileNotFoundError:
            continue
        newest = max(newest, child_stat.st_mtime)
        if not child.is_dir():
            size += child_stat.st_size
    return size, newest


def _stray(store: str, root: Path, path: Path) -> StrayFile:
    size, newest = _tree_facts(path)
    modified = datetime.fromtimestamp(newest, tz=UTC)
    return StrayFile(store=store, name=str(path.relative_to(root)), path=path, bytes=size, modified=modified)


def _children(folder: Path) -> list[Path]:
    try:
        return sorted(folder.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []


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


def _private_strays(root: Path) -> Iterator[StrayFile]:
    entries = _children(root / "uploads")
    upload_ids = {p.name.removesuffix(PART_SUFFIX) for p in entries if p.name.endswith(PART_SUFFIX)}
    known_uploads = _known_uploads(upload_ids)
    for path in entries:
        if path.name.removesuffix(PART_SUFFIX) not in known_uploads or not path.name.endswith(PART_SUFFIX):
            yield _stray("private", root, path)
    folders = _children(root / "videos")
    keys = {key for p in folders if (key := _video_key(p.name)) is not None}
    videos = _known_videos(keys)
    for folder in folders:
        video = videos.get(_video_key(folder.name))  # type: ignore[arg-type]
        if video is None or not folder.is_dir():
            yield _stray("private", root, folder)
            continue
        job = getattr(video, "job", None)
        active = job is not None and job.state in ACTIVE_JOB_STATES
        kept = _kept_inside(video, active)
        for entry in _children(folder):
            if entry.name not in kept:
                yield _stray("private", root, entry)


def _public_strays(root: Path) -> Iterator[StrayFile]:
    folders = _children(root / "videos")
    keys = {key for p in folders if (key := _video_key(p.name)) is not None}
    published = _known_videos(keys, published_only=True)
    for folder in folders:
        if _video_key(folder.name) not in published:
            yield _stray("public", root, folder)


def stray_files() -> list[StrayFile]:
    """Every file or folder, in both stores, that no row accounts for (whatever its age)."""
    strays = list(_private_strays(storage.private_root()))
    public = storage.public_root()
    if public.resolve() != storage.private_root().resolve():
        strays += _public_strays(public)
    return strays


def missing_files() -> list[MissingFile]:
    """Every row whose file is not where it says (e.g. a ready video without its rendition)."""
    missing: list[MissingFile] = []
    root = storage.private_root()

    def check(row: str, name: str, what: str) -> None:
        if name and not (root / name).exists():
            missing.append(MissingFile(row=row, name=name, what=what))

    for upload_id in Upload.objects.values_list("pk", flat=True).iterator():
        check(f"upload {upload_id}", f"uploads/{upload_id}{PART_SUFFIX}", "partial upload")
    videos = Video.objects.prefetch_related("renditions", "captions").order_by("created_at")
    for video in videos.iterator(chunk_size=200):
        row = f"video {video.pk} ({video.status})"
        if video.status in (VideoStatus.QUEUED, VideoStatus.PROCESSING) and not video.original_path:
            missing.append(
                MissingFile(row=row, name=storage.relative(storage.original_path(video.pk)), what="original")
            )
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
        if stray.modified > cutoff or _tree_facts(stray.path)[1] > cutoff.timestamp():
            continue
        if _claimed_now(stray):
            continue
        if stray.path.is_dir() and not stray.path.is_symlink():
            storage.remove_tree(stray.path)
        else:
            stray.path.unlink(missing_ok=True)
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
    """The periodic job: delete files with no row, older than the grace period (CRYOVIEW_ORPHAN_GRACE_HOURS).
    Side effects: files and folders in both stores. Returns how many entries went."""
    return len(orphans_delete(strays=stray_files(), grace=grace if grace is not None else orphan_grace()))
