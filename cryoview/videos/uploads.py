"""Resumable uploads (tus 1.0: core, creation, termination, expiration), streamed to the private store.

The web process copies the request body to disk in fixed-size chunks, so its memory does not grow with the
file. A lock on the partial file keeps two PATCH requests for one upload from interleaving.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from cryoview.accounts.models import User
from cryoview.core.errors import ApplicationError, NotFoundError
from cryoview.videos.models import Upload
from cryoview.videos.storage import remove_tree_on_commit

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,expiration"
CHUNK = 256 * 1024
CHECKPOINT_BYTES = 32 * 1024 * 1024
SAFE_NAME = re.compile(r"[^\w.\- ()]+", re.UNICODE)


class UploadConflict(ApplicationError):
    def __init__(self, message: str) -> None:
        super().__init__(message=message, status=409, code="offset_mismatch")


class UploadGone(ApplicationError):
    """The upload was terminated (DELETE) or expired while a PATCH was still sending it (tus: 410)."""

    def __init__(self) -> None:
        super().__init__(
            message="This upload was deleted while the request was sending it; start a new upload.",
            status=410,
            code="upload_gone",
        )


def private_path(name: str) -> Path:
    return Path(storages["private"].path(name))


def parse_metadata(header: str) -> dict[str, str]:
    """Upload-Metadata: comma-separated "key base64value" pairs."""
    result: dict[str, str] = {}
    if len(header) > 4096:
        raise ApplicationError("Upload-Metadata is longer than 4096 characters.", status=400, code="bad_metadata")
    for pair in filter(None, (p.strip() for p in header.split(","))):
        key, _, value = pair.partition(" ")
        if not key or not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", key):
            raise ApplicationError(f"Upload-Metadata has a bad key {key[:64]!r}.", status=400, code="bad_metadata")
        try:
            result[key] = base64.b64decode(value, validate=True).decode("utf-8") if value else ""
        except (binascii.Error, UnicodeDecodeError):
            raise ApplicationError(
                f"Upload-Metadata value of {key!r} is not base64 UTF-8.", status=400, code="bad_metadata"
            ) from None
    return result


def clean_filename(name: str) -> str:
    name = name.replace("\x00", "").replace("/", "_").replace("\\", "_")
    return SAFE_NAME.sub("_", name).strip()[:200]


def user_bytes_in_flight(*, user: User) -> int:
    """Bytes a user holds in unfinished uploads and originals waiting to be processed."""
    uploads = Upload.objects.filter(owner=user).aggregate(n=Sum("length"))["n"] or 0
    return int(uploads)


def upload_create(*, user: User, length: int | None, metadata: str) -> Upload:
    """Start an upload. Side effects: an Upload row and an empty file in the private store."""
    config = settings.CONFIG
    if length is None or length < 0:
        raise ApplicationError(
            "Upload-Length must be a whole number of bytes (deferred length is not supported).",
            status=400,
            code="bad_length",
        )
    if length == 0:
        raise ApplicationError("The file is empty.", status=422, code="empty")
    if length > config.upload_max_bytes:
        raise ApplicationError(
            f"The file is {length:,} bytes; the limit is {config.upload_max_bytes:,} bytes.",
            status=413,
            code="too_large_bytes",
        )
    used = user_bytes_in_flight(user=user)
    if used + length > config.upload_quota_bytes:
        raise ApplicationError(
            f"This upload would exceed your quota of {config.upload_quota_bytes:,} bytes in unfinished uploads "
            f"({used:,} in use). Finish or delete other uploads first.",
            status=413,
            code="quota_exceeded",
        )
    meta = parse_metadata(metadata)
    with transaction.atomic():
        upload = Upload.objects.create(
            owner=user,
            length=length,
            filename=clean_filename(meta.get("filename", "")),
            filetype=meta.get("filetype", "")[:100],
            expires_at=timezone.now() + timedelta(hours=config.upload_expiry_hours),
        )
        path = private_path(upload.storage_name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
    return upload


def upload_get(*, user: User, upload_id: str) -> Upload:
    """The user's own, unexpired upload; anyone else's is simply not found."""
    upload = Upload.objects.filter(pk=upload_id[:32], owner=user).first()
    if upload is None:
        raise NotFoundError("No such upload.")
    if upload.expires_at <= timezone.now():
        upload_delete(upload=upload)
        raise ApplicationError("This upload expired; start again.", status=410, code="expired")
    return upload


@dataclass(frozen=True)
class PatchResult:
    upload: Upload
    received: int


def upload_append(*, upload: Upload, offset: int, stream: BinaryIO, content_length: int | None) -> PatchResult:
    """Append bytes at `offset`. Side effects: writes to the partial file; moves Upload.offset.

    A dropped connection keeps what arrived, so the client resumes from the new offset.
    """
    if content_length is not None and upload.offset + content_length > upload.length:
        raise ApplicationError("The request body goes past Upload-Length.", status=413, code="too_large_bytes")
    path = private_path(upload.storage_name)
    try:
        handle = path.open("r+b")
    except FileNotFoundError:
        raise UploadGone from None  # a DELETE came between finding the upload and opening its file
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ApplicationError("Another request is writing to this upload.", status=423, code="locked") from None
        current = Upload.objects.filter(pk=upload.pk).values_list("offset", flat=True).first()
        if current is None:
            raise UploadGone  # a DELETE came between opening the file and taking its lock
        upload.offset = current
        if offset != upload.offset:
            raise UploadConflict(f"Upload-Offset is {offset}, but the server has {upload.offset} bytes.")
        handle.seek(offset)
        handle.truncate()

        def checkpoint(done: int) -> None:
            # A long PATCH may be cut off by a proxy or a worker timeout: keep the progress so far.
            handle.flush()
            os.fsync(handle.fileno())
            _offset_save(upload=upload, offset=offset + done)

        received = _copy(stream, handle, limit=upload.length - offset, expected=content_length, checkpoint=checkpoint)
        handle.flush()
        os.fsync(handle.fileno())
        _offset_save(upload=upload, offset=offset + received)
    return PatchResult(upload=upload, received=received)


def _offset_save(*, upload: Upload, offset: int) -> None:
    """Record the bytes safely on disk; the row is the proof that the upload still exists.

    A DELETE does not wait for a PATCH in flight: it unlinks the file (this request keeps writing into the
    unlinked inode, which the system frees when the request closes it) and deletes the row. A conditional
    update instead of `save()` notices, and the PATCH ends with 410 instead of a database error.
    """
    completed_at = timezone.now() if offset == upload.length else None
    saved = Upload.objects.filter(pk=upload.pk).update(
        offset=offset, completed_at=completed_at, updated_at=timezone.now()
    )
    if not saved:
        raise UploadGone
    upload.offset, upload.completed_at = offset, completed_at


def _copy(
    stream: BinaryIO,
    handle: BinaryIO,
    *,
    limit: int,
    expected: int | None,
    checkpoint: Callable[[int], None] | None = None,
) -> int:
    remaining = limit if expected is None else min(expected, limit)
    received = 0
    next_checkpoint = CHECKPOINT_BYTES
    while remaining > 0:
        try:
            chunk = stream.read(min(CHUNK, remaining))
        except OSError:
            break  # the client went away: keep what arrived
        if not chunk:
            break
        handle.write(chunk)
        received += len(chunk)
        remaining -= len(chunk)
        if checkpoint is not None and received >= next_checkpoint:
            checkpoint(received)
            next_checkpoint += CHECKPOINT_BYTES
    if expected is None and received == limit:
        # Bytes beyond Upload-Length are refused, not silently dropped.
        extra = stream.read(1)
        if extra:
            raise ApplicationError("The request body goes past Upload-Length.", status=413, code="too_large_bytes")
    return received


# The finished upload's bytes, wherever the upload store keeps them. The video service uses only these four, so
# the store (a local file, or object storage) can change without it.


def upload_bytes_exist(*, upload: Upload) -> bool:
    return private_path(upload.storage_name).exists()


def upload_bytes_to_file(*, upload: Upload, path: Path) -> None:
    """Copy a finished upload's bytes to a local file (ffprobe reads only local files). Raises FileNotFoundError
    when the upload's bytes are gone (terminated meanwhile)."""
    with private_path(upload.storage_name).open("rb") as source, path.open("wb") as target:
        shutil.copyfileobj(source, target, CHUNK)


def upload_bytes_move(*, upload: Upload, name: str) -> None:
    """Move a finished upload's bytes to `name` in the private store. Raises FileNotFoundError when they are
    gone (terminated meanwhile)."""
    target = private_path(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    private_path(upload.storage_name).replace(target)


def upload_bytes_move_back(*, upload: Upload, name: str) -> None:
    """Undo upload_bytes_move (the video's rows could not be written): the upload keeps its bytes, so asking
    again can succeed."""
    with contextlib.suppress(OSError):
        private_path(name).replace(private_path(upload.storage_name))


def upload_delete(*, upload: Upload) -> None:
    """Terminate an upload. Side effects: deletes its row, and its file once the transaction commits."""
    path = private_path(upload.storage_name)
    with transaction.atomic():
        upload.delete()
        remove_tree_on_commit(path)


def uploads_expire() -> int:
    """Delete unfinished uploads past their expiry (the periodic job). Side effects: files and rows."""
    count = 0
    for upload in Upload.objects.filter(expires_at__lte=timezone.now()):
        upload_delete(upload=upload)
        count += 1
    return count
