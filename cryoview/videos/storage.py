"""Where a video's files live in the private store. Local paths, because ffmpeg reads and writes files."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from django.core.files.storage import storages
from django.db import transaction

OUT = "out"
WORK = "work"
MANIFEST = "manifest.json"


def private_root() -> Path:
    return Path(storages["private"].path(""))


def public_root() -> Path:
    """The public store (STORAGES["default"]): published renditions, posters and captions, if copied there."""
    return Path(storages["default"].path(""))


def video_dir(video_id: uuid.UUID | str) -> Path:
    return private_root() / "videos" / str(video_id)


def public_video_dir(video_id: uuid.UUID | str) -> Path:
    return public_root() / "videos" / str(video_id)


def original_path(video_id: uuid.UUID | str) -> Path:
    return video_dir(video_id) / "original"


def out_dir(video_id: uuid.UUID | str) -> Path:
    return video_dir(video_id) / OUT


def attempt_dir(video_id: uuid.UUID | str, attempt: int) -> Path:
    return video_dir(video_id) / WORK / f"attempt-{attempt}"


def relative(path: Path) -> str:
    return str(path.relative_to(private_root()))


def absolute(name: str) -> Path:
    """A stored relative name back to a path, refusing anything that escapes the private store."""
    root = private_root().resolve()
    path = (root / name).resolve()
    if root not in path.parents:
        raise ValueError("path escapes the private store")
    return path


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def remove_tree_on_commit(path: Path) -> None:
    """Remove a file or folder once the surrounding transaction commits: a rollback keeps the files of the
    rows that still exist (outside a transaction it happens at once)."""

    def remove() -> None:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)

    transaction.on_commit(remove)
