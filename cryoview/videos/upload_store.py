"""Where an unfinished upload's bytes live: a local file, or an S3 multipart upload in the private bucket.

The choice follows the private storage (STORAGES["private"]): an S3Storage means object storage, anything else
a folder. Both keep what a PATCH sends durably before the database counts it, so the offset in the Upload row
never runs ahead of the stored bytes; the row is the truth, and an object the row does not count is ignored
(and overwritten or deleted later).

Object storage, per upload (`uploads/<id>.part` is the multipart upload's key and, once complete, the file):
- parts of at least PART_SIZE bytes (S3 wants >= 5 MiB except the last), numbered from 1 in the row's `parts`;
- a tail, `uploads/<id>.tail`: the bytes past the last whole part, kept as their own object when a PATCH ends
  short of a part, and put in front of the next PATCH's bytes (tusd's "incomplete part"). The row's offset
  minus the parts' bytes says how much of it counts; only a prefix is ever read, so a tail that was rewritten
  longer before a node died is still right.
A PATCH is spooled in SCRATCH_DIR (at most one part, mostly on disk), so memory does not grow with the file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any, BinaryIO, Protocol

import boto3
import botocore.exceptions
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from django.conf import settings
from django.core.files.storage import Storage, storages
from storages.backends.s3 import S3Storage

from cryoview.core.errors import ApplicationError, ServiceUnavailable
from cryoview.videos.models import Upload

logger = logging.getLogger(__name__)

CHUNK = 256 * 1024
CHECKPOINT_BYTES = 32 * 1024 * 1024  # local file: fsync and count the bytes this often
PART_SIZE = 8 * 1024 * 1024  # object storage: one part; S3's minimum is 5 MiB
SPOOL_IN_MEMORY = 1024 * 1024  # a part spills from memory to SCRATCH_DIR past this
RETRY_AFTER = 30
COMPLETE_READ_SECONDS = 600
STORE_DOWN = (
    "The file store cannot be reached just now. Nothing you sent before this request is lost: "
    "ask for the upload's offset and resume in 30 seconds."
)


class Progress(Protocol):
    """What an append reports to (the upload's lease in the database)."""

    def keep(self, *, now: bool = False) -> None:
        """Renew the lease when it is due (or `now`); raise if it was lost or the upload is gone."""

    def save(self, *, offset: int, parts: list[list[Any]] | None = None) -> None:
        """Count `offset` bytes (and these parts) as stored; raise if the upload is gone."""


class StoredBytesMissing(Exception):
    """The store lost this upload's bytes (aborted by a DELETE, or damaged): the upload cannot go on."""


def read_chunks(stream: BinaryIO, *, limit: int, expected: int | None, progress: Progress) -> Iterator[bytes]:
    """The request body in chunks, up to `limit` bytes, ending quietly where the client went away."""
    remaining = limit if expected is None else min(expected, limit)
    while remaining > 0:
        try:
            chunk = stream.read(min(CHUNK, remaining))
        except OSError:
            return  # the client went away: keep what arrived
        if not chunk:
            return
        progress.keep()  # before storing: a request that lost its lease writes nothing more
        remaining -= len(chunk)
        yield chunk
    if expected is None and remaining == 0 and stream.read(1):
        # Bytes beyond Upload-Length are refused, not silently dropped.
        raise ApplicationError("The request body goes past Upload-Length.", status=413, code="too_large_bytes")


def current() -> LocalStore | S3Store:
    storage = storages["private"]
    return S3Store(storage) if isinstance(storage, S3Storage) else LocalStore(storage)


def tail_name(upload_id: str) -> str:
    return f"uploads/{upload_id}.tail"


class LocalStore:
    """A partial file per upload in the private folder, appended in place (one node, or a shared disk)."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def path(self, name: str) -> Path:
        return Path(self.storage.path(name))

    def create(self, upload: Upload) -> None:
        path = self.path(upload.storage_name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)

    def append(self, upload: Upload, stream: BinaryIO, *, limit: int, expected: int | None, progress: Progress) -> int:
        try:
            handle = self.path(upload.storage_name).open("r+b")
        except FileNotFoundError:
            raise StoredBytesMissing from None  # a DELETE came between finding the upload and opening its file
        offset, received, unsaved = upload.offset, 0, 0
        with handle:
            handle.seek(offset)
            handle.truncate()  # whatever a request killed before its last checkpoint wrote does not count
            for chunk in read_chunks(stream, limit=limit, expected=expected, progress=progress):
                handle.write(chunk)
                received += len(chunk)
                unsaved += len(chunk)
                if unsaved >= CHECKPOINT_BYTES:
                    # A long PATCH may be cut off by a proxy or a worker timeout: keep the progress so far.
                    self._sync(handle)
                    progress.save(offset=offset + received)
                    unsaved = 0
            self._sync(handle)
            progress.save(offset=offset + received)
        return received

    @staticmethod
    def _sync(handle: IO[bytes]) -> None:
        handle.flush()
        os.fsync(handle.fileno())

    def exists(self, upload: Upload) -> bool:
        return self.path(upload.storage_name).exists()

    def to_file(self, upload: Upload, path: Path) -> None:
        with self.path(upload.storage_name).open("rb") as source, path.open("wb") as target:
            shutil.copyfileobj(source, target, CHUNK)

    def move(self, upload: Upload, name: str) -> None:
        target = self.path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        self.path(upload.storage_name).replace(target)

    def move_back(self, upload: Upload, name: str) -> None:
        with contextlib.suppress(OSError):
            self.path(name).replace(self.path(upload.storage_name))

    def remove(self, upload: Upload) -> None:
        self.path(upload.storage_name).unlink(missing_ok=True)

    def remove_strays(self, *, known: Callable[[set[str]], set[str]], older_than: datetime) -> int:
        return 0  # the media housekeeping sweeps the folder (cryoview/videos/housekeeping.py)


@contextlib.contextmanager
def store_errors() -> Iterator[None]:
    """An object store that cannot be reached (or says it is overloaded) becomes a 503 with Retry-After."""
    try:
        yield
    except (botocore.exceptions.HTTPClientError, botocore.exceptions.ConnectionError) as error:
        logger.warning("object store unreachable: %s", error)
        raise ServiceUnavailable(STORE_DOWN, retry_after=RETRY_AFTER, code="store_unavailable") from None
    except botocore.exceptions.ClientError as error:
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if status >= 500 or error_code(error) in ("SlowDown", "RequestTimeout"):
            logger.warning("object store failing: %s", error)
            raise ServiceUnavailable(STORE_DOWN, retry_after=RETRY_AFTER, code="store_unavailable") from None
        raise


def error_code(error: botocore.exceptions.ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def is_missing(error: botocore.exceptions.ClientError) -> bool:
    return error_code(error) in ("404", "NoSuchKey", "NoSuchUpload", "NotFound")


class S3Store:
    """The parts in object storage, the offset in the database: any web node continues any upload."""

    def __init__(self, storage: S3Storage) -> None:
        self.storage = storage
        self.client = storage.connection.meta.client
        self.bucket = storage.bucket_name

    def _patient_client(self) -> Any:
        """The storage's client with a long read timeout, to complete a multipart upload: the store assembles
        the object before it answers (AWS sends blanks meanwhile; other S3 servers may send nothing), which can
        outlast the short read timeout that notices a store that hangs. Retrying a completion is safe: one
        that finds the upload completed already is recognised (append)."""
        storage = self.storage
        session = boto3.Session(
            aws_access_key_id=storage.access_key,
            aws_secret_access_key=storage.secret_key,
            aws_session_token=storage.security_token,
        )
        return session.client(
            "s3",
            region_name=storage.region_name,
            use_ssl=storage.use_ssl,
            endpoint_url=storage.endpoint_url,
            verify=storage.verify,
            config=storage.client_config.merge(Config(read_timeout=COMPLETE_READ_SECONDS)),
        )

    def create(self, upload: Upload) -> None:
        with store_errors():
            started = self.client.create_multipart_upload(Bucket=self.bucket, Key=upload.storage_name)
        upload.multipart_id = started["UploadId"]

    def append(self, upload: Upload, stream: BinaryIO, *, limit: int, expected: int | None, progress: Progress) -> int:
        with store_errors():
            try:
                return self._receive(upload, stream, limit=limit, expected=expected, progress=progress)
            except StoredBytesMissing:
                # The multipart upload is gone: a DELETE or the expiry took it (the caller answers 410), or a
                # request completed it and its node died before counting it (a client's retry of the last
                # PATCH lands here): then the file is all there.
                if self._size(upload.storage_name) != upload.length:
                    raise
                progress.save(offset=upload.length)
                self._delete(tail_name(upload.id))
                return 0

    def _receive(
        self, upload: Upload, stream: BinaryIO, *, limit: int, expected: int | None, progress: Progress
    ) -> int:
        parts: list[list[Any]] = [list(p) for p in upload.parts]
        stored = sum(size for _, _, size in parts)
        tail = upload.offset - stored
        received = 0
        with tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY, dir=str(scratch_dir())) as spool:
            if tail:
                self._read_tail(upload, tail, spool)
            tail_is_stale = False
            for chunk in read_chunks(stream, limit=limit, expected=expected, progress=progress):
                spool.write(chunk)
                received += len(chunk)
                if spool.tell() >= PART_SIZE:
                    parts.append(self._store_part(upload, len(parts) + 1, spool, progress))
                    stored += parts[-1][2]
                    progress.save(offset=stored, parts=parts)
                    tail_is_stale, tail = tail > 0 or tail_is_stale, 0
                    spool.seek(0)
                    spool.truncate()
            pending = spool.tell()
            if stored + pending == upload.length:
                if pending:
                    parts.append(self._store_part(upload, len(parts) + 1, spool, progress))
                self._complete(upload, parts)
                progress.save(offset=upload.length, parts=parts)
                self._delete(tail_name(upload.id))
            elif pending > tail:  # a short PATCH: its bytes (after the old tail) become the new tail
                progress.keep(now=True)
                spool.seek(0)
                self.client.put_object(Bucket=self.bucket, Key=tail_name(upload.id), Body=spool, ContentLength=pending)
                progress.save(offset=stored + pending, parts=parts)
            elif tail_is_stale:
                self._delete(tail_name(upload.id))  # now inside a part; the row no longer counts it
        return received

    def _read_tail(self, upload: Upload, size: int, spool: IO[bytes]) -> None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=tail_name(upload.id), Range=f"bytes=0-{size - 1}")
        except botocore.exceptions.ClientError as error:
            if is_missing(error):
                raise StoredBytesMissing from None
            raise
        for block in answer["Body"].iter_chunks(CHUNK):
            spool.write(block)
        if spool.tell() != size:
            raise StoredBytesMissing

    def _store_part(self, upload: Upload, number: int, spool: IO[bytes], progress: Progress) -> list[Any]:
        progress.keep(now=True)  # a whole lease for the part's upload, however long the client took
        size = spool.tell()
        spool.seek(0)
        try:
            answer = self.client.upload_part(
                Bucket=self.bucket,
                Key=upload.storage_name,
                UploadId=upload.multipart_id,
                PartNumber=number,
                Body=spool,
                ContentLength=size,
            )
        except botocore.exceptions.ClientError as error:
            if is_missing(error):
                raise StoredBytesMissing from None  # aborted: a DELETE or the expiry took the upload
            raise
        return [number, answer["ETag"], size]

    def _complete(self, upload: Upload, parts: list[list[Any]]) -> None:
        try:
            self._patient_client().complete_multipart_upload(
                Bucket=self.bucket,
                Key=upload.storage_name,
                UploadId=upload.multipart_id,
                MultipartUpload={"Parts": [{"PartNumber": n, "ETag": etag} for n, etag, _ in parts]},
            )
        except botocore.exceptions.ClientError as error:
            if is_missing(error):
                raise StoredBytesMissing from None
            raise

    def _size(self, key: str) -> int | None:
        try:
            return int(self.client.head_object(Bucket=self.bucket, Key=key)["ContentLength"])
        except botocore.exceptions.ClientError as error:
            if is_missing(error):
                return None
            raise

    def _delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def exists(self, upload: Upload) -> bool:
        with store_errors():
            return self._size(upload.storage_name) is not None

    def to_file(self, upload: Upload, path: Path) -> None:
        """Streamed: one chunk in memory at a time."""
        with store_errors():
            try:
                answer = self.client.get_object(Bucket=self.bucket, Key=upload.storage_name)
            except botocore.exceptions.ClientError as error:
                if is_missing(error):
                    raise FileNotFoundError(upload.storage_name) from None
                raise
            with path.open("wb") as target:
                for block in answer["Body"].iter_chunks(CHUNK):
                    target.write(block)

    def _copy(self, source: str, target: str) -> None:
        """Server-side; in parts above 64 MiB (S3 copies at most 5 GB in one request)."""
        config = TransferConfig(multipart_threshold=64 * 1024 * 1024, multipart_chunksize=64 * 1024 * 1024)
        try:
            self.client.copy({"Bucket": self.bucket, "Key": source}, self.bucket, target, Config=config)
        except botocore.exceptions.ClientError as error:
            if is_missing(error):
                raise FileNotFoundError(source) from None
            raise
        self._delete(source)

    def move(self, upload: Upload, name: str) -> None:
        with store_errors():
            self._copy(upload.storage_name, name)

    def move_back(self, upload: Upload, name: str) -> None:
        with contextlib.suppress(Exception):
            self._copy(name, upload.storage_name)

    def remove(self, upload: Upload) -> None:
        """Abort every multipart upload under the upload's key (also one whose id the row never got) and
        delete its objects. Raises ServiceUnavailable when the store cannot be reached."""
        with store_errors():
            prefix = f"uploads/{upload.id}."
            for page in self.client.get_paginator("list_multipart_uploads").paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Uploads", []):
                    self._abort(item)
            self.client.delete_objects(
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": upload.storage_name}, {"Key": tail_name(upload.id)}], "Quiet": True},
            )

    def _abort(self, item: dict[str, Any]) -> bool:
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=item["Key"], UploadId=item["UploadId"])
        except botocore.exceptions.ClientError as error:
            if is_missing(error):
                return False  # aborted meanwhile
            raise
        return True

    def remove_strays(self, *, known: Callable[[set[str]], set[str]], older_than: datetime) -> int:
        """Abort multipart uploads and delete objects under uploads/ that no row accounts for, older than
        `older_than` (what a cleanup missed while the store was down). `known` maps upload ids to those
        with a row. Returns how many went."""

        def upload_id(key: str) -> str:
            return key.removeprefix("uploads/").split(".", 1)[0]

        with store_errors():
            multipart = [
                item
                for page in self.client.get_paginator("list_multipart_uploads").paginate(
                    Bucket=self.bucket, Prefix="uploads/"
                )
                for item in page.get("Uploads", [])
                if item["Initiated"] < older_than
            ]
            objects = [
                item
                for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix="uploads/")
                for item in page.get("Contents", [])
                if item["LastModified"] < older_than
            ]
            alive = known({upload_id(item["Key"]) for item in multipart + objects})
            gone = 0
            for item in multipart:
                if upload_id(item["Key"]) not in alive:
                    gone += self._abort(item)
            for item in objects:
                if upload_id(item["Key"]) not in alive:
                    self._delete(item["Key"])
                    gone += 1
        return gone


def scratch_dir() -> Path:
    folder = Path(settings.SCRATCH_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
