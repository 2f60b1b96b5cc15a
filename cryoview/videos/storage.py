"""Where a video's files live in the private store. Local paths, because ffmpeg reads and writes files."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from django.core.files.storage import storages

OUT = "out"
WORK = "work"
MANIFEST = "manifest.json"


def private_root() -> Path:
    return Path(storages["private"].path(""))


def video_dir(video_id: uuid.UUID | str) -> Path:
    return private_root() / "videos" / str(video_id)


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
