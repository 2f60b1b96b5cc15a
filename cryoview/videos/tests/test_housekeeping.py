"""Media housekeeping: the orphan sweeper (grace period, both stores) and `manage.py media_audit`."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cryoview.videos import storage
from cryoview.videos.enums import JobState
from cryoview.videos.housekeeping import missing_files, orphans_sweep, stray_files
from cryoview.videos.models import Upload, Video, VideoJob
from cryoview.videos.tasks import maintenance
from cryoview.videos.uploads import private_path, upload_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("clean_stores")]
DAY_AND_AN_HOUR = 25 * 3600


@pytest.fixture
def clean_stores(clean_private_store):
    storage.remove_tree(storage.public_root())
    yield
    storage.remove_tree(storage.public_root())


@pytest.fixture
def processed(member, small_media) -> Video:
    """A video through the real pipeline: renditions, poster and rows as a member's upload leaves them."""
    video = small_media.video_for(member)
    assert isinstance(video, Video)
    return video


def write(path: Path, data: bytes = b"x" * 10) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def age(path: Path, seconds: float = DAY_AND_AN_HOUR) -> Path:
    """Make a file or a folder (and all inside it) look untouched for `seconds`."""
    when = time.time() - seconds
    for item in [*path.rglob("*"), path] if path.is_dir() else [path]:
        os.utime(item, (when, when))
    return path


def all_files() -> set[str]:
    found = set()
    for store, root in (("private", storage.private_root()), ("public", storage.public_root())):
        if root.exists():
            found |= {f"{store}:{p.relative_to(root)}" for p in root.rglob("*") if p.is_file()}
    return found


def test_the_sweeper_deletes_old_orphans_in_both_stores_and_keeps_fresh_ones_and_files_with_rows(member, processed):
    # Files with rows, however old: a processed video (published, with a public copy) and an unfinished upload.
    video = processed
    age(storage.video_dir(video.pk))
    type(video).objects.filter(pk=video.pk).update(is_published=True)
    kept_public = age(write(storage.public_video_dir(video.pk) / "360.mp4"))
    upload = upload_create(user=member, length=100, metadata="")
    age(write(private_path(upload.storage_name), b"y" * 50))
    # Old orphans: a deleted video's folder, a deleted upload's bytes, a public copy of a deleted video, and
    # an old attempt folder inside a video whose job finished long ago.
    gone_folder = storage.video_dir(uuid.uuid4())
    age(write(gone_folder / "out" / "720.mp4", b"z" * 1000).parent.parent)
    age(write(storage.private_root() / "uploads" / f"{'a' * 32}.part"))
    age(write(storage.public_video_dir(uuid.uuid4()) / "poster.jpg").parent)
    age(write(storage.attempt_dir(video.pk, 1) / "720.mp4").parent.parent)
    # Fresh orphans, within the grace period: an upload being moved into place, a folder just written.
    fresh_folder = storage.video_dir(uuid.uuid4())
    write(fresh_folder / "original")
    write(storage.private_root() / "uploads" / f"{'b' * 32}.part")

    assert len(stray_files()) == 6
    assert orphans_sweep() == 4

    left = all_files()
    assert not gone_folder.exists() and not (storage.video_dir(video.pk) / storage.WORK).exists()
    assert f"private:uploads/{'a' * 32}.part" not in left
    assert not [name for name in left if name.startswith("public:") and str(video.pk) not in name]
    assert all(f"private:{r.path}" in left for r in video.renditions.all()) and video.renditions.exists()
    assert f"private:{video.poster_path}" in left
    assert f"private:uploads/{upload.pk}.part" in left and kept_public.exists()
    assert (fresh_folder / "original").exists() and f"private:uploads/{'b' * 32}.part" in left
    assert Upload.objects.filter(pk=upload.pk).exists()


def test_a_running_jobs_attempt_folder_is_never_an_orphan(processed):
    video = processed
    VideoJob.objects.filter(video=video).update(state=JobState.RUNNING)
    age(write(storage.attempt_dir(video.pk, 2) / "720.mp4").parent.parent)
    assert stray_files() == []
    assert orphans_sweep() == 0 and (storage.attempt_dir(video.pk, 2) / "720.mp4").exists()


def test_the_worker_sweeps_orphans_once_an_hour(member):
    orphan = age(write(storage.video_dir(uuid.uuid4()) / "original").parent)
    first = maintenance()
    assert first["orphaned_media_deleted"] == 1 and not orphan.exists()
    assert "orphaned_media_deleted" not in maintenance()


def audit(*args: str) -> tuple[int, str]:
    from io import StringIO

    out = StringIO()
    try:
        call_command("media_audit", *args, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue()
    return 0, out.getvalue()


def test_media_audit_is_quiet_and_zero_when_clean(member, processed):
    video = processed
    upload_create(user=member, length=100, metadata="")
    assert missing_files() == []
    code, out = audit()
    assert code == 0, out
    assert out.strip() == "0 rows without files, 0 files without rows (0 B)"
    assert storage.video_dir(video.pk).exists()


def test_media_audit_lists_rows_without_files_and_files_without_rows_with_sizes(member, processed):
    video = processed
    rendition = video.renditions.first()
    assert rendition is not None
    storage.absolute(rendition.path).unlink()
    upload = upload_create(user=member, length=100, metadata="")
    private_path(upload.storage_name).unlink()
    orphan = age(write(storage.video_dir(uuid.uuid4()) / "original", b"o" * 3000).parent)

    code, out = audit()
    assert code == 1
    assert f"row without file: video {video.pk} (ready): rendition {rendition.height}p {rendition.path}" in out
    assert f"row without file: upload {upload.pk}: partial upload uploads/{upload.pk}.part" in out
    assert f"file without row: private:{storage.relative(orphan)} 2.9 KiB (3000 bytes), changed 25.0 h ago" in out
    assert "2 rows without files, 1 files without rows (2.9 KiB)" in out

    code, out = audit("--delete-orphans")
    assert code == 1, "rows without files remain"
    assert f"deleted: private:{storage.relative(orphan)}" in out and not orphan.exists()


def test_media_audit_deletes_only_orphans_past_the_grace_period(member):
    old = age(write(storage.private_root() / "uploads" / f"{'c' * 32}.part"))
    young = age(write(storage.private_root() / "uploads" / f"{'d' * 32}.part"), seconds=3 * 3600)
    assert audit("--delete-orphans")[0] == 1 and not old.exists() and young.exists()
    code, out = audit("--delete-orphans", "--grace-hours", "2")
    assert code == 0, out
    assert not young.exists() and audit() == (0, "0 rows without files, 0 files without rows (0 B)\n")
