"""Where a video's files live: a small media-store interface over Django's two stores.

`private_store()` (STORAGES["private"]: originals, outputs, captions, transcripts) and `public_store()`
(STORAGES["default"]: copies of published media on object storage) are a `MediaStore` each, which works on a
FileSystemStorage (local folders) and on django-storages' S3Storage alike. Names are relative ("videos/<id>/...").
ffmpeg only ever reads and writes local files: on object storage the pipeline fetches to a scratch folder and
puts the results back (`local_path` is None there). Whether a store is remote is read from the storage object,
never from the settings. Any failure to reach the object store becomes ServiceUnavailable (a 503 for a request,
a later retry for the pipeline).

The path helpers below (private_root, video_dir, ...) are the local layout, used by local mode and its tests.
"""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.storage import Storage, storages
from django.db import transaction
from storages.backends.s3 import S3Storage

from cryoview.core.errors import ServiceUnavailable

logger = logging.getLogger(__name__)
OUT = "out"
WORK = "work"
MANIFEST = "manifest.json"
CONTENT_TYPES = {
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
    ".vtt": "text/vtt; charset=utf-8",
    ".json": "application/json",
}
STORE_DOWN = "The media store cannot be reached just now. Nothing was lost; please try again in a minute."
RETRY_AFTER_SECONDS = 60


def content_type(name: str) -> str:
    suffix = Path(name).suffix
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


# Names (relative to a store's root), the same for local folders and buckets.


def video_prefix(video_id: uuid.UUID | str) -> str:
    return f"videos/{video_id}"


def original_name(video_id: uuid.UUID | str) -> str:
    return f"{video_prefix(video_id)}/original"


def out_prefix(video_id: uuid.UUID | str) -> str:
    return f"{video_prefix(video_id)}/{OUT}"


def attempt_out_prefix(video_id: uuid.UUID | str, attempt: int) -> str:
    """On object storage, where nothing can be renamed, each attempt puts its outputs under its own prefix and
    its manifest last: a prefix with a manifest is a complete set, and the database names the one it uses."""
    return f"{out_prefix(video_id)}/attempt-{attempt}"


def _is_down(error: Exception) -> bool:
    if isinstance(error, ClientError):
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        return status >= 500 or status == 0
    return isinstance(error, BotoCoreError)


def _is_missing(error: Exception) -> bool:
    if not isinstance(error, ClientError):
        return False
    code = str(error.response.get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


@contextlib.contextmanager
def reachable(name: str = "") -> Iterator[None]:
    """Turn the object store's connection failures into ServiceUnavailable and a missing object into
    FileNotFoundError (what a local file would raise)."""
    try:
        yield
    except (BotoCoreError, ClientError) as error:
        if _is_missing(error):
            raise FileNotFoundError(name) from None
        if _is_down(error):
            logger.warning("object store unavailable: %s", error)
            raise ServiceUnavailable(STORE_DOWN, retry_after=RETRY_AFTER_SECONDS, code="store_unavailable") from None
        raise


@dataclass(frozen=True)
class Entry:
    name: str
    is_dir: bool


class MediaStore:
    """One store (private or public): put, fetch, read, write, list, delete, and a URL for playback."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.is_remote = isinstance(storage, S3Storage)

    # Local folders.

    def local_path(self, name: str) -> Path | None:
        """The file's path when the store is a local folder (ffmpeg can use it in place); None on S3."""
        return None if self.is_remote else self._path(name)

    def _path(self, name: str) -> Path:
        root = Path(self.storage.path("")).resolve()
        path = (root / name).resolve()
        if path != root and root not in path.parents:
            raise ValueError("path escapes the media store")
        return path

    # Object storage.

    @property
    def _bucket(self) -> Any:
        return self.storage.bucket  # type: ignore[attr-defined]

    @property
    def _client(self) -> Any:
        return self.storage.connection.meta.client  # type: ignore[attr-defined]

    def _keys(self, prefix: str) -> Iterator[dict[str, Any]]:
        pages = self._client.get_paginator("list_objects_v2").paginate(Bucket=self._bucket.name, Prefix=prefix)
        for page in pages:
            yield from page.get("Contents", [])

    # The interface.

    def put_file(self, name: str, source: Path) -> None:
        """Store a local file under `name` (replacing what is there)."""
        if not self.is_remote:
            target = self._path(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            return
        with reachable(name):
            self._client.upload_file(
                str(source), self._bucket.name, name, ExtraArgs={"ContentType": content_type(name)}
            )

    def fetch_file(self, name: str, target: Path) -> None:
        """Copy a stored file to a local one. FileNotFoundError when it is not there."""
        if not self.is_remote:
            shutil.copyfile(self._path(name), target)
            return
        with reachable(name):
            self._client.download_file(self._bucket.name, name, str(target))

    def write_text(self, name: str, text: str) -> None:
        """Replace a small text file whole (locally through a temporary file and a rename)."""
        if not self.is_remote:
            path = self._path(name)
            path.parent.mkdir(parents=True, exist_ok=True)
            temp = path.with_name(path.name + ".tmp")
            temp.write_text(text, encoding="utf-8")
            temp.replace(path)
            return
        with reachable(name):
            self._client.put_object(
                Bucket=self._bucket.name, Key=name, Body=text.encode("utf-8"), ContentType=content_type(name)
            )

    def read_text(self, name: str) -> str:
        if not self.is_remote:
            return self._path(name).read_text(encoding="utf-8")
        with reachable(name):
            body = self._client.get_object(Bucket=self._bucket.name, Key=name)["Body"]
            return str(body.read().decode("utf-8"))

    def exists(self, name: str) -> bool:
        """A file, or (a folder, a prefix) anything under the name."""
        if not self.is_remote:
            return self._path(name).exists()
        with reachable(name):
            if self.storage.exists(name):
                return True
            found = self._client.list_objects_v2(Bucket=self._bucket.name, Prefix=name.rstrip("/") + "/", MaxKeys=1)
            return bool(found.get("KeyCount"))

    def is_file(self, name: str) -> bool:
        if not self.is_remote:
            return self._path(name).is_file()
        with reachable(name):
            return bool(self.storage.exists(name))

    def delete_tree(self, name: str) -> None:
        """Delete a file, or a folder (a prefix) and everything in it; nothing there is fine."""
        if not self.is_remote:
            path = self._path(name)
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            return
        with reachable(name):
            self._bucket.objects.filter(Prefix=name.rstrip("/") + "/").delete()
            self._client.delete_object(Bucket=self._bucket.name, Key=name)

    def delete_tree_on_commit(self, name: str) -> None:
        """delete_tree once the surrounding transaction commits (a rollback keeps the files of the rows that
        still exist). A store that is down then leaves them to the orphan sweeper: the rows are gone already."""

        def remove() -> None:
            try:
                self.delete_tree(name)
            except ServiceUnavailable:
                logger.warning("could not delete %s now; the orphan sweeper will", name)

        transaction.on_commit(remove)

    def children(self, folder: str) -> list[Entry]:
        """The entries directly inside a folder (a prefix), sorted; nothing when it is not there."""
        if not self.is_remote:
            try:
                paths = sorted(self._path(folder).iterdir())
            except (FileNotFoundError, NotADirectoryError):
                return []
            return [Entry(f"{folder}/{p.name}", p.is_dir() and not p.is_symlink()) for p in paths]
        entries: list[Entry] = []
        with reachable(folder):
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self._bucket.name, Prefix=folder.rstrip("/") + "/", Delimiter="/"
            )
            for page in pages:
                entries += [Entry(p["Prefix"].rstrip("/"), True) for p in page.get("CommonPrefixes", [])]
                entries += [Entry(o["Key"], False) for o in page.get("Contents", [])]
        return sorted(entries, key=lambda e: e.name)

    def files(self, prefix: str) -> list[str]:
        """Every file's name under a folder (a prefix), recursively, sorted."""
        if not self.is_remote:
            root = self._path(prefix)
            base = self._path("")
            return sorted(str(p.relative_to(base)) for p in root.rglob("*") if p.is_file()) if root.is_dir() else []
        with reachable(prefix):
            return sorted(o["Key"] for o in self._keys(prefix.rstrip("/") + "/"))

    def tree_facts(self, name: str) -> tuple[int, float]:
        """(bytes, newest change as a timestamp) of a file or a folder and everything in it."""
        if not self.is_remote:
            return path_facts(self._path(name))
        size, newest = 0, 0.0
        with reachable(name):
            objects = list(self._keys(name.rstrip("/") + "/"))
            objects += [o for o in self._keys(name) if o["Key"] == name]
        for item in objects:
            size += int(item["Size"])
            newest = max(newest, item["LastModified"].timestamp())
        return size, newest

    def copy_to(self, other: MediaStore, name: str, *, target: str) -> None:
        """Copy a file to `target` in another store (server-side between two buckets)."""
        if not self.is_remote:
            other.put_file(target, self._path(name))
            return
        with reachable(name):
            other._client.copy_object(
                Bucket=other._bucket.name,
                Key=target,
                CopySource={"Bucket": self._bucket.name, "Key": name},
                ContentType=content_type(target),
                MetadataDirective="REPLACE",
            )

    def url(self, name: str, *, seconds: int | None = None) -> str:
        """Where a player fetches the object: signed and short-lived in the private store, plain in the
        public one. Only for object storage (local files go through the media view)."""
        with reachable(name):
            return str(self.storage.url(name, expire=seconds))  # type: ignore[call-arg]


def path_facts(path: Path) -> tuple[int, float]:
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


def private_store() -> MediaStore:
    return MediaStore(storages["private"])


def public_store() -> MediaStore:
    return MediaStore(storages["default"])


def stores_share_root() -> bool:
    """Local mode may point both stores at one folder: then there is one store to audit, not two."""
    private, public = private_store(), public_store()
    if private.is_remote or public.is_remote:
        return bool(getattr(private.storage, "bucket_name", 1) == getattr(public.storage, "bucket_name", 2))
    return Path(private.storage.path("")).resolve() == Path(public.storage.path("")).resolve()


# The local layout (local mode: the pipeline works inside the private folder and renames out/ into place).


def private_root() -> Path:
    return Path(storages["private"].path(""))


def public_root() -> Path:
    """The public store (STORAGES["default"])."""
    return Path(storages["default"].path(""))


def video_dir(video_id: uuid.UUID | str) -> Path:
    return private_root() / video_prefix(video_id)


def public_video_dir(video_id: uuid.UUID | str) -> Path:
    return public_root() / video_prefix(video_id)


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
    """Remove a local file or folder once the surrounding transaction commits (uploads in local mode)."""

    def remove() -> None:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)

    transaction.on_commit(remove)


# Scratch: on object storage, where ffmpeg's inputs and outputs live while it works.


def scratch_dir(video_id: uuid.UUID | str, attempt: int) -> Path:
    from django.conf import settings

    return Path(settings.SCRATCH_DIR) / "videos" / str(video_id) / f"attempt-{attempt}"


@contextlib.contextmanager
def scratch(video_id: uuid.UUID | str, attempt: int) -> Iterator[Path]:
    """A fresh per-attempt folder, always emptied afterwards. What a killed worker (SIGKILL: no finally) left
    for this video is swept first."""
    folder = scratch_dir(video_id, attempt)
    shutil.rmtree(folder.parent, ignore_errors=True)
    folder.mkdir(parents=True)
    try:
        yield folder
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)
