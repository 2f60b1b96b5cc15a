"""Documents a moderator checks (a claim's proof, a practitioner's licence, a proof of treatment): private, short-lived.

A document is stored in the private store (`videos.storage.private_store()`: a local folder or a bucket) under
DOCUMENT_PREFIX, only after its bytes were sniffed as PDF, JPEG or PNG (the name and the Content-Type a client
sends are never trusted) and found within MAX_DOCUMENT_BYTES. Its SHA-256 is kept on the row; the file is deleted
once a moderator has decided (after the commit). Only moderators see it, through an authorising view: a
Range-capable response from a local folder, or a short-lived signed redirect to the bucket.

The media audit of the videos app judges only `uploads/` and `videos/`, so these are never its orphans; a file
whose row never came (a crash between the upload and the commit) is deleted by `documents_sweep`, which the
clinics' maintenance runs.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Protocol

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.utils import timezone

from cryoview.clinics.models import DOCUMENT_PREFIX, ClinicStaff, CredentialCheck, TreatmentProof
from cryoview.core.errors import ApplicationError, FieldProblem
from cryoview.core.ranges import ranged_file_response
from cryoview.videos import storage

logger = logging.getLogger(__name__)
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
CHUNK = 256 * 1024
# The magic numbers at the start of each kind we accept; everything else is refused.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
)
CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}
ACCEPTED = "a PDF, JPEG or PNG file"


class Upload(Protocol):
    """What Django's UploadedFile offers and we use (ninja's File[UploadedFile] is the same object)."""

    @property
    def size(self) -> int | None: ...

    def chunks(self, chunk_size: int | None = None) -> Iterable[bytes]: ...


@dataclass(frozen=True)
class StoredDocument:
    name: str  # the private store's key
    sha256: str
    kind: str  # pdf, png or jpg
    bytes: int


def sniff(head: bytes) -> str | None:
    """The kind the bytes say they are (pdf, png, jpg), or None."""
    for magic, kind in SIGNATURES:
        if head.startswith(magic):
            return kind
    return None


def _refuse(field: str, message: str, status: int = 422) -> ApplicationError:
    error = ApplicationError.for_fields([FieldProblem(field, message)])
    error.status = status
    return error


def _copy_checked(upload: Upload, target: IO[bytes], *, field: str) -> tuple[str, str, int]:
    """Copy the upload to `target`, refusing what is empty, too large or not a document; (kind, sha256, size)."""
    if upload.size is not None and upload.size > MAX_DOCUMENT_BYTES:
        raise _refuse(field, f"must be at most {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB", status=413)
    digest, size, head = hashlib.sha256(), 0, b""
    for chunk in upload.chunks(CHUNK):
        size += len(chunk)
        if size > MAX_DOCUMENT_BYTES:
            raise _refuse(field, f"must be at most {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB", status=413)
        if len(head) < 16:
            head += chunk[: 16 - len(head)]
        digest.update(chunk)
        target.write(chunk)
    if size == 0:
        raise _refuse(field, f"is empty: choose {ACCEPTED}")
    kind = sniff(head)
    if kind is None:
        raise _refuse(field, f"must be {ACCEPTED} (whatever its name says, its content is something else)")
    return kind, digest.hexdigest(), size


def document_store(*, upload: Upload | None, field: str, folder: str) -> StoredDocument:
    """Check an uploaded document and put it in the private store under DOCUMENT_PREFIX/<folder>/.
    Side effects: one file in the private store (none when it is refused: ApplicationError naming `field`).
    The caller creates its row in a transaction and calls document_discard if that fails."""
    if upload is None:
        raise _refuse(field, f"is required: choose {ACCEPTED}")
    with tempfile.NamedTemporaryFile(prefix="document-", dir=_scratch()) as temp:
        kind, sha256, size = _copy_checked(upload, temp, field=field)
        temp.flush()
        name = f"{DOCUMENT_PREFIX}/{folder}/{uuid.uuid4().hex}.{kind}"
        storage.private_store().put_file(name, Path(temp.name))
    return StoredDocument(name=name, sha256=sha256, kind=kind, bytes=size)


def _scratch() -> str:
    folder = Path(settings.SCRATCH_DIR) / "documents"
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder)


def document_discard(name: str) -> None:
    """Delete a stored document now (its row was not created). A store that is down leaves it to the sweep."""
    try:
        storage.private_store().delete_tree(name)
    except ApplicationError:
        logger.warning("could not delete %s now; the document sweep will", name)


def document_delete_on_commit(name: str) -> None:
    """Delete a decided document once the decision commits (a rollback keeps it with its pending row)."""
    if name:
        storage.private_store().delete_tree_on_commit(name)


def document_response(request: HttpRequest, name: str) -> HttpResponseBase:
    """Serve a document to someone the caller has authorised: ranged from a local folder, or a signed redirect
    (CRYOVIEW_S3_URL_SECONDS) to the bucket. Never cached; never sniffed by the browser as anything else."""
    store = storage.private_store()
    if not name or not name.startswith(DOCUMENT_PREFIX + "/"):
        raise Http404("No such document.")
    kind = name.rsplit(".", 1)[-1]
    response: HttpResponseBase
    if store.is_remote:
        if not store.is_file(name):
            raise Http404("No such document.")
        response = HttpResponseRedirect(store.url(name))
    else:
        path = store.local_path(name)
        if path is None or not path.is_file():
            raise Http404("No such document.")
        response = ranged_file_response(request, path, CONTENT_TYPES.get(kind, "application/octet-stream"))
        # A PDF or an image shown inline, in a sandbox: a crafted PDF cannot script our origin.
        response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    if request.method == "HEAD" and isinstance(response, HttpResponseBase) and response.status_code != 302:
        head = HttpResponse(status=response.status_code)
        for header, value in response.items():
            head[header] = value
        closing = getattr(response, "file_to_stream", None)
        if closing is not None:
            closing.close()
        return head
    return response


def documents_in_use() -> set[str]:
    """Every document a row still points at (pending claims, checks and proofs of treatment)."""
    names: set[str] = set()
    names |= set(ClinicStaff.objects.exclude(proof_name="").values_list("proof_name", flat=True))
    names |= set(CredentialCheck.objects.exclude(document_name="").values_list("document_name", flat=True))
    names |= set(TreatmentProof.objects.exclude(document_name="").values_list("document_name", flat=True))
    return names


def documents_sweep(*, grace: timedelta) -> int:
    """Delete documents no row points at and nothing touched for `grace` (a crash between storing the file and
    committing its row, or a deletion the store refused). Side effects: files in the private store. Returns
    how many went."""
    store = storage.private_store()
    cutoff = timezone.now() - grace
    deleted = 0
    names = store.files(DOCUMENT_PREFIX)
    in_use = documents_in_use()
    for name in names:
        if name in in_use or datetime.fromtimestamp(store.tree_facts(name)[1], tz=UTC) > cutoff:
            continue
        if name in documents_in_use():  # asked again: a row may have appeared since the listing
            continue
        store.delete_tree(name)
        logger.info("deleted orphaned document %s", name)
        deleted += 1
    return deleted
