"""Resumable uploads (tus 1.0: core, creation, termination, expiration), streamed to the private store.

Any web node continues any upload: the offset, and the lock against two interleaved PATCHes, live in the
database (a lease: a conditional UPDATE takes it, the request renews it as it goes, a killed node's lease lapses
after LEASE), and the bytes in the private store (a local file, or an S3 multipart upload: upload_store.py).
The web process reads the body in fixed-size chunks, so its memory does not grow with the file.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO, NoReturn

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from cryoview.accounts.models import User
from cryoview.core.errors import ApplicationError, NotFoundError, ServiceUnavailable
from cryoview.videos import upload_store
from cryoview.videos.models import Upload
from cryoview.videos.upload_store import LocalStore, S3Store, StoredBytesMissing

logger = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,expiration"
SAFE_NAME = re.compile(r"[^\w.\- ()]+", re.UNICODE)
# A request renews its lease every LEASE_RENEW_SECONDS while bytes arrive, and never stores a byte without a
# lease renewed less than that ago (and renews it just before it sends a part to the object store). A request
# that stalls longer (or a node that dies) loses the upload to the client's next PATCH once LEASE has passed.
LEASE = timedelta(seconds=60)
LEASE_RENEW_SECONDS = 15.0
STRAY_SWEEP_EVERY_SECONDS = 3600
STRAY_SWEEP_KEY = "videos:upload-stray-sweep"


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


class UploadLocked(ApplicationError):
    def __init__(self, message: str = "Another request is writing to this upload.") -> None:
        super().__init__(message=message, status=423, code="locked")


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
    """Start an upload. Side effects: an Upload row, and an empty file (or an S3 multipart upload) in the
    private store. Raises ServiceUnavailable (nothing made) when the object store cannot be reached."""
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
    upload = Upload(
        owner=user,
        length=length,
        filename=clean_filename(meta.get("filename", "")),
        filetype=meta.get("filetype", "")[:100],
        expires_at=timezone.now() + timedelta(hours=config.upload_expiry_hours),
    )
    store = upload_store.current()
    store.create(upload)  # first: a store that cannot be reached is a 503 before any row exists
    try:
        upload.save(force_insert=True)
    except Exception:
        _remove_quietly(store, upload)
        raise
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


class Lease:
    """One PATCH request's hold on an upload, in the database so that it holds across web nodes.

    Taking it is one conditional UPDATE (free, or lapsed): of two simultaneous requests, on any node, on
    SQLite or PostgreSQL, exactly one gets it. Every later write of the row is conditional on the token, so
    it also proves that the upload still exists: a DELETE does not wait for a PATCH in flight, and the PATCH
    notices at its next write and ends with 410 instead of a database error.
    """

    def __init__(self, upload: Upload) -> None:
        self.upload = upload
        self.token = secrets.token_hex(16)
        self.renewed = 0.0

    def take(self) -> None:
        now = timezone.now()
        free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
        if not Upload.objects.filter(free, pk=self.upload.pk).update(lease_token=self.token, lease_until=now + LEASE):
            self._lost()
        self.renewed = time.monotonic()

    def keep(self, *, now: bool = False) -> None:
        if now or time.monotonic() - self.renewed >= LEASE_RENEW_SECONDS:
            self._write()

    def save(self, *, offset: int, parts: list[list[Any]] | None = None) -> None:
        """Count `offset` bytes as stored (the store calls this only once they are durable)."""
        completed_at = timezone.now() if offset == self.upload.length else None
        fields: dict[str, Any] = {"offset": offset, "completed_at": completed_at}
        if parts is not None:
            fields["parts"] = parts
        self._write(**fields)
        self.upload.offset, self.upload.completed_at = offset, completed_at
        if parts is not None:
            self.upload.parts = parts

    def release(self) -> None:
        Upload.objects.filter(pk=self.upload.pk, lease_token=self.token).update(lease_token="", lease_until=None)

    def _write(self, **fields: Any) -> None:
        now = timezone.now()
        held = Upload.objects.filter(pk=self.upload.pk, lease_token=self.token)
        if not held.update(**fields, lease_until=now + LEASE, updated_at=now):
            self._lost()
        self.renewed = time.monotonic()

    def _lost(self) -> NoReturn:
        if Upload.objects.filter(pk=self.upload.pk).exists():
            raise UploadLocked
        raise UploadGone


def upload_append(*, upload: Upload, offset: int, stream: BinaryIO, content_length: int | None) -> PatchResult:
    """Append bytes at `offset`. Side effects: stores them (file, or parts and tail object); moves
    Upload.offset as they become durable, so a dropped connection keeps what arrived and the client resumes
    from the new offset. 423 while another request holds the upload; 503 (offset unchanged beyond what is
    stored) when the object store cannot be reached; 410 when the upload is deleted meanwhile."""
    if content_length is not None and upload.offset + content_length > upload.length:
        raise ApplicationError("The request body goes past Upload-Length.", status=413, code="too_large_bytes")
    lease = Lease(upload)
    lease.take()
    store = upload_store.current()
    try:
        fresh = Upload.objects.filter(pk=upload.pk).values("offset", "parts", "multipart_id").first()
        if fresh is None:
            raise UploadGone
        upload.offset, upload.parts, upload.multipart_id = fresh["offset"], fresh["parts"], fresh["multipart_id"]
        if offset != upload.offset:
            raise UploadConflict(f"Upload-Offset is {offset}, but the server has {upload.offset} bytes.")
        received = store.append(upload, stream, limit=upload.length - offset, expected=content_length, progress=lease)
    except StoredBytesMissing:
        # Aborted by a DELETE or the expiry (or lost): the upload cannot go on.
        upload_delete(upload=upload, store=store)
        raise UploadGone from None
    except UploadGone:
        _remove_quietly(store, upload)  # what this request stored after the DELETE cleaned up
        raise
    finally:
        lease.release()
    return PatchResult(upload=upload, received=received)


# The finished upload's bytes, wherever the upload store keeps them. The video service uses only these four, so
# the store (a local file, or object storage) can change without it.


def upload_bytes_exist(*, upload: Upload) -> bool:
    return upload_store.current().exists(upload)


def upload_bytes_to_file(*, upload: Upload, path: Path) -> None:
    """Copy a finished upload's bytes to a local file (ffprobe reads only local files), streaming. Raises
    FileNotFoundError when the upload's bytes are gone (terminated meanwhile)."""
    upload_store.current().to_file(upload, path)


def upload_bytes_move(*, upload: Upload, name: str) -> None:
    """Move a finished upload's bytes to `name` in the private store (object storage: a server-side copy,
    then the upload's object is deleted). Raises FileNotFoundError when they are gone (terminated
    meanwhile)."""
    upload_store.current().move(upload, name)


def upload_bytes_move_back(*, upload: Upload, name: str) -> None:
    """Undo upload_bytes_move (the video's rows could not be written): the upload keeps its bytes, so asking
    again can succeed."""
    upload_store.current().move_back(upload, name)


def upload_delete(*, upload: Upload, store: LocalStore | S3Store | None = None) -> None:
    """Terminate an upload. Side effects: deletes its row and its bytes (the file; or the multipart upload,
    its parts and its tail object).

    Outside a transaction (tus DELETE, the expiry) the bytes go first, so a store that cannot be reached is a
    503 and the upload stays whole. Inside one (account deletion) they go once it commits: a rollback keeps
    them with their rows, and what a store that is down then keeps is swept later (uploads_expire). Either way
    they go once more after the commit, for a PATCH that stored something meanwhile.
    """
    store = store or upload_store.current()
    if not transaction.get_connection().in_atomic_block:
        store.remove(upload)
    gone = Upload(pk=upload.pk)  # delete() forgets the pk
    with transaction.atomic():
        upload.delete()
        transaction.on_commit(lambda: _remove_quietly(store, gone))


def _remove_quietly(store: LocalStore | S3Store, upload: Upload) -> None:
    try:
        store.remove(upload)
    except ServiceUnavailable:
        logger.warning("upload %s: the object store was unreachable; its objects go with the stray sweep", upload.pk)


def uploads_expire() -> int:
    """Delete unfinished uploads past their expiry (the periodic job), and once an hour (for all workers) the
    store's leftovers that no row accounts for, older than CRYOVIEW_ORPHAN_GRACE_HOURS. Side effects: files,
    objects and rows. An upload whose store is down waits for the next run."""
    count = 0
    for upload in Upload.objects.filter(expires_at__lte=timezone.now()):
        try:
            upload_delete(upload=upload)
        except ServiceUnavailable:
            continue
        count += 1
    if cache.add(STRAY_SWEEP_KEY, True, timeout=STRAY_SWEEP_EVERY_SECONDS):
        uploads_strays_remove()
    return count


def uploads_strays_remove() -> int:
    """Multipart uploads and objects under uploads/ with no row, older than the orphan grace period."""
    cutoff = timezone.now() - timedelta(hours=settings.CONFIG.orphan_grace_hours)

    def known(ids: set[str]) -> set[str]:
        return set(Upload.objects.filter(pk__in=ids).values_list("pk", flat=True))

    try:
        return upload_store.current().remove_strays(known=known, older_than=cutoff)
    except ServiceUnavailable:
        return 0
