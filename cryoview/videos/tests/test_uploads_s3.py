"""tus uploads on both stores (a local folder; S3 through moto's server), driven by the real tus client (tuspy)
against a live server: resuming after a PATCH cut off midway, parts and tail objects, the lease against
interleaved PATCHes, cleanup after completion, termination, expiry and account deletion, and an object store
that goes down in the middle of a PATCH. Another web node (a gunicorn process with its own data folder) and the
memory bound are in the `slow` tests at the end."""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import io
import random
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.utils import timezone
from tusclient.client import TusClient

from cryoview.accounts.services import token_issue
from cryoview.core.tests.objectstore import S3, free_port
from cryoview.videos import storage, upload_store
from cryoview.videos.models import Upload
from cryoview.videos.tests.webnode import PeakRss, WebNode
from cryoview.videos.uploads import (
    private_path,
    upload_bytes_exist,
    upload_bytes_move,
    upload_bytes_move_back,
    upload_bytes_to_file,
    uploads_expire,
)

pytestmark = [pytest.mark.django_db(transaction=True)]
MiB = 1024 * 1024
TUS = {"Tus-Resumable": "1.0.0"}
PATCH = {**TUS, "Content-Type": "application/offset+octet-stream"}


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest) -> S3 | None:
    """Each test runs on the local folder and on object storage."""
    if request.param == "s3":
        return request.getfixturevalue("s3")
    request.getfixturevalue("clean_private_store")
    return None


@pytest.fixture
def token(member: Any) -> str:
    return token_issue(user=member, name="tus").secret


def payload(size: int, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(size)  # noqa: S311 - test data, not a secret


def uploader(base_url: str, token: str, data: bytes, url: str | None = None, chunk: int = 3 * MiB) -> Any:
    client = TusClient(f"{base_url}/api/v1/uploads/", headers={"Authorization": f"Bearer {token}"})
    return client.uploader(file_stream=io.BytesIO(data), url=url, chunk_size=chunk, metadata={"filename": "clip.mp4"})


def stored(store: S3 | None, upload_id: str) -> bytes:
    name = f"uploads/{upload_id}.part"
    if store is None:
        return private_path(name).read_bytes()
    return bytes(store.client.get_object(Bucket=store.private_bucket, Key=name)["Body"].read())


def multipart_uploads(store: S3) -> list[str]:
    listed = store.client.list_multipart_uploads(Bucket=store.private_bucket, Prefix="uploads/")
    return [item["Key"] for item in listed.get("Uploads", [])]


def leftovers(store: S3 | None) -> list[str]:
    """Everything an upload can leave: files, objects, unfinished multipart uploads."""
    if store is None:
        root = storage.private_root()
        return [str(p) for p in root.rglob("*") if p.is_file()] if root.exists() else []
    return store.keys(store.private_bucket) + multipart_uploads(store)


def wait_until(condition: Any, what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def settled(upload_id: str, offset: int) -> bool:
    """The request is over: its bytes are counted and its lease is released."""
    row = Upload.objects.filter(pk=upload_id).values("offset", "lease_until").first()
    return row is not None and row["offset"] == offset and row["lease_until"] is None


class RawPatch:
    """A PATCH sent by hand, so a test can stop in the middle of its body."""

    def __init__(self, base_url: str, token: str, path: str, offset: int, total: int) -> None:
        parts = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
        self.connection.putrequest("PATCH", path)
        headers = {**PATCH, "Authorization": f"Bearer {token}", "Upload-Offset": str(offset)}
        for name, value in {**headers, "Content-Length": str(total)}.items():
            self.connection.putheader(name, value)
        self.connection.endheaders()

    def send(self, data: bytes) -> None:
        self.connection.send(data)

    def answer(self) -> tuple[int, dict[str, str], bytes]:
        response = self.connection.getresponse()
        body = response.read()
        self.connection.close()
        return response.status, dict(response.headers), body


def check_parts(store: S3 | None, upload: Upload) -> None:
    """S3's rule: every part but the last is at least 5 MiB."""
    if store is not None:
        sizes = [size for _, _, size in upload.parts]
        assert len(sizes) >= 2 and all(size >= 5 * MiB for size in sizes[:-1]), sizes


def test_an_interrupted_upload_resumes_and_arrives_byte_identical(live_server, store, token):
    data = payload(13 * MiB + 12345)
    first = uploader(live_server.url, token, data)
    first.upload(stop_at=4 * MiB)  # two PATCHes of 3 and 1 MiB: both shorter than a part
    upload = Upload.objects.get()
    assert upload.offset == 4 * MiB
    if store is not None:
        assert upload.parts == [], "less than a part so far: all of it in the tail object"
        assert store.keys(store.private_bucket) == [f"uploads/{upload.pk}.tail"]

    # A PATCH that announces 6 MiB and is cut off after 5: what arrived is kept, a part and a tail on S3.
    path = urlsplit(first.url).path
    cut = RawPatch(live_server.url, token, path, offset=4 * MiB, total=6 * MiB)
    cut.send(data[4 * MiB : 9 * MiB])
    cut.connection.close()
    wait_until(lambda: settled(upload.pk, 9 * MiB), "the cut-off PATCH to keep its 5 MiB")
    upload.refresh_from_db()
    if store is not None:
        assert [size for _, _, size in upload.parts] == [upload_store.PART_SIZE]
        assert f"uploads/{upload.pk}.tail" in store.keys(store.private_bucket)

    resumed = uploader(live_server.url, token, data, url=first.url)
    assert resumed.offset == 9 * MiB, "tuspy asked the server (HEAD) where to go on"
    resumed.upload()
    upload.refresh_from_db()
    assert upload.is_complete and upload.completed_at is not None
    assert stored(store, upload.pk) == data
    check_parts(store, upload)
    if store is not None:
        assert store.keys(store.private_bucket) == [f"uploads/{upload.pk}.part"], "no tail object left"
        assert multipart_uploads(store) == [], "completed, not left open"


def test_the_finished_bytes_move_and_move_back(live_server, store, token, tmp_path):
    """The four functions the video service uses, on a real multipart upload."""
    data = payload(9 * MiB + 5)
    tus = uploader(live_server.url, token, data)
    tus.upload()
    upload = Upload.objects.get()
    assert upload_bytes_exist(upload=upload)
    upload_bytes_to_file(upload=upload, path=tmp_path / "copy")
    assert (tmp_path / "copy").read_bytes() == data
    upload_bytes_move(upload=upload, name="videos/v1/original")
    assert not upload_bytes_exist(upload=upload)
    with pytest.raises(FileNotFoundError):
        upload_bytes_to_file(upload=upload, path=tmp_path / "again")
    with pytest.raises(FileNotFoundError):
        upload_bytes_move(upload=upload, name="videos/v2/original")
    upload_bytes_move_back(upload=upload, name="videos/v1/original")
    assert stored(store, upload.pk) == data
    if store is not None:
        assert store.keys(store.private_bucket) == [f"uploads/{upload.pk}.part"]


@pytest.mark.parametrize("how", ["terminate", "expire"])
def test_an_ended_upload_leaves_no_part_and_no_object(live_server, store, token, how):
    """(Account deletion: cryoview/journeys/tests/test_account_deletion_s3.py.)"""
    data = payload(12 * MiB)
    tus = uploader(live_server.url, token, data)
    tus.upload(stop_at=10 * MiB)  # on S3: one part, a tail object and an open multipart upload
    if store is not None:
        assert len(store.keys(store.private_bucket)) == 1 and len(multipart_uploads(store)) == 1
    if how == "terminate":
        answer = requests.delete(tus.url, headers={**TUS, "Authorization": f"Bearer {token}"}, timeout=30)
        assert answer.status_code == 204
    else:
        Upload.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        assert uploads_expire() == 1
    assert not Upload.objects.exists()
    assert leftovers(store) == []


def test_a_second_patch_while_one_is_sending_is_423(live_server, store, token):
    data = payload(6 * MiB)
    tus = uploader(live_server.url, token, data)
    tus.upload(stop_at=1)
    upload = Upload.objects.get()
    path = urlsplit(tus.url).path
    sending = RawPatch(live_server.url, token, path, offset=1, total=3 * MiB)
    sending.send(data[1 : MiB + 1])
    wait_until(lambda: Upload.objects.filter(pk=upload.pk, lease_until__isnull=False).exists(), "the lease")
    second = requests.patch(
        tus.url,
        data=data[1 : MiB + 1],
        headers={**PATCH, "Authorization": f"Bearer {token}", "Upload-Offset": "1"},
        timeout=30,
    )
    assert second.status_code == 423 and second.json()["code"] == "locked"
    assert second.headers["Tus-Resumable"] == "1.0.0"
    sending.send(data[MiB + 1 : 3 * MiB + 1])
    status, headers, _ = sending.answer()
    assert status == 204 and headers["Upload-Offset"] == str(3 * MiB + 1)
    resumed = uploader(live_server.url, token, data, url=tus.url)
    resumed.upload()
    assert stored(store, upload.pk) == data


def test_the_lease_of_a_node_that_died_lapses(client, store, member):
    client.force_login(member)
    created = client.post("/api/v1/uploads/", HTTP_UPLOAD_LENGTH="10", HTTP_TUS_RESUMABLE="1.0.0")
    location = created["Location"]

    def patch() -> Any:
        return client.generic(
            "PATCH",
            location,
            b"0123456789",
            content_type="application/offset+octet-stream",
            HTTP_UPLOAD_OFFSET="0",
            HTTP_TUS_RESUMABLE="1.0.0",
        )

    Upload.objects.update(lease_token="killed-node", lease_until=timezone.now() + timedelta(seconds=30))
    assert patch().status_code == 423
    Upload.objects.update(lease_until=timezone.now() - timedelta(seconds=1))
    answer = patch()
    assert answer.status_code == 204 and answer["Upload-Offset"] == "10"
    assert stored(store, Upload.objects.get().pk) == b"0123456789"


class Relay:
    """A TCP relay in front of the S3 server, which a test cuts (the store goes down: open connections drop,
    new ones are refused) and restores."""

    def __init__(self, target: str) -> None:
        self.target = urlsplit(target)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.sockets: list[socket.socket] = []
        self.up()

    def up(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def down(self) -> None:
        if self.listener.fileno() != -1:
            # shutdown() first: on Linux, close() alone leaves a thread blocked in accept() accepting.
            self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self.sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                near, _ = listener.accept()
            except OSError:
                return
            far = socket.create_connection((self.target.hostname, self.target.port))
            self.sockets += [near, far]
            for source, sink in ((near, far), (far, near)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while block := source.recv(65536):
                sink.sendall(block)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def relay(s3: S3, settings: Any) -> Iterator[Relay]:
    """The private store reached through a Relay."""
    relay = Relay(s3.endpoint_url)
    private = settings.STORAGES["private"]
    options = {**private["OPTIONS"], "endpoint_url": relay.url}
    settings.STORAGES = {**settings.STORAGES, "private": {**private, "OPTIONS": options}}
    yield relay
    relay.down()


def test_a_store_that_goes_down_is_503_and_nothing_stored_is_lost(live_server, s3, relay, token):
    data = payload(12 * MiB)
    auth = {**TUS, "Authorization": f"Bearer {token}"}
    tus = uploader(live_server.url, token, data)
    tus.upload(stop_at=1)
    upload = Upload.objects.get()
    sending = RawPatch(live_server.url, token, urlsplit(tus.url).path, offset=1, total=10 * MiB)
    sending.send(data[1 : 9 * MiB])
    wait_until(lambda: Upload.objects.get(pk=upload.pk).parts, "the first part to be stored")
    relay.down()  # the store goes away with 1 MiB of the PATCH still to come
    sending.send(data[9 * MiB : 10 * MiB + 1])
    status, headers, body = sending.answer()
    assert status == 503, body
    assert int(headers["Retry-After"]) > 0 and headers["Tus-Resumable"] == "1.0.0"
    assert b"store_unavailable" in body and b"resume" in body
    upload.refresh_from_db()
    kept = upload.offset
    assert kept == sum(size for _, _, size in upload.parts) >= upload_store.PART_SIZE, "the stored part, no more"
    head = requests.head(tus.url, headers=auth, timeout=30)
    assert head.status_code == 200 and head.headers["Upload-Offset"] == str(kept)

    # While it is down: no new upload, no termination; each a 503 that changes nothing.
    created = requests.post(f"{live_server.url}/api/v1/uploads/", headers={**auth, "Upload-Length": "5"}, timeout=30)
    assert created.status_code == 503 and "Retry-After" in created.headers
    assert requests.delete(tus.url, headers=auth, timeout=30).status_code == 503
    assert list(Upload.objects.values_list("pk", flat=True)) == [upload.pk]

    relay.up()
    resumed = uploader(live_server.url, token, data, url=tus.url)
    assert resumed.offset == kept
    resumed.upload()
    assert stored(s3, upload.pk) == data
    assert s3.keys(s3.private_bucket) == [f"uploads/{upload.pk}.part"] and multipart_uploads(s3) == []


# Another node, and memory -------------------------------------------------------------------------------


@pytest.mark.slow
def test_an_upload_started_on_one_node_finishes_on_another(live_server, s3, token, tmp_path):
    """Node A is the live server; node B a gunicorn process with its own data folder (no shared disk)."""
    data = payload(14 * MiB + 3)
    node_b = WebNode(tmp_path / "node-b", **s3.environ())
    try:
        on_a = uploader(live_server.url, token, data)
        on_a.upload(stop_at=4 * MiB)
        path = urlsplit(on_a.url).path
        on_b = uploader(node_b.url, token, data, url=node_b.url + path)
        assert on_b.offset == 4 * MiB, "node B knows the offset from the database"
        on_b.upload(stop_at=10 * MiB)  # node B reads node A's tail object into its first part
        upload = Upload.objects.get()
        assert [size for _, _, size in upload.parts] == [upload_store.PART_SIZE]

        # A PATCH in flight on node A locks the upload for node B too.
        sending = RawPatch(live_server.url, token, path, offset=10 * MiB, total=2 * MiB)
        sending.send(data[10 * MiB : 11 * MiB])
        wait_until(lambda: Upload.objects.filter(lease_until__isnull=False).exists(), "node A's lease")
        auth = {**PATCH, "Authorization": f"Bearer {token}", "Upload-Offset": str(10 * MiB)}
        locked = requests.patch(node_b.url + path, data=data[10 * MiB : 11 * MiB], headers=auth, timeout=30)
        assert locked.status_code == 423
        sending.send(data[11 * MiB : 12 * MiB])
        assert sending.answer()[0] == 204

        finish = uploader(node_b.url, token, data, url=node_b.url + path)
        assert finish.offset == 12 * MiB
        finish.upload()
        upload.refresh_from_db()
        assert upload.is_complete
        assert stored(s3, upload.pk) == data
        check_parts(s3, upload)
        assert s3.keys(s3.private_bucket) == [f"uploads/{upload.pk}.part"] and multipart_uploads(s3) == []
        assert not any((tmp_path / "node-b").rglob("uploads")), "node B kept nothing on its own disk"
    finally:
        node_b.stop()


def generated(size: int, seed: int = 11) -> Iterator[bytes]:
    """`size` pseudo-random bytes in 1 MiB blocks, never all in memory."""
    rng = random.Random(seed)  # noqa: S311 - test data, not a secret
    while size > 0:
        block = rng.randbytes(min(MiB, size))
        size -= len(block)
        yield block


def send_streaming(url: str, token: str, size: int, patch_bytes: int) -> str:
    """Create an upload of `size` generated bytes and send it in PATCHes of `patch_bytes`; its sha256."""
    parts = urlsplit(url)
    auth = {**TUS, "Authorization": f"Bearer {token}"}
    created = requests.post(f"{url}/api/v1/uploads/", headers={**auth, "Upload-Length": str(size)}, timeout=30)
    assert created.status_code == 201, created.text
    path = urlsplit(created.headers["Location"]).path
    digest = hashlib.sha256()
    blocks = generated(size)
    offset = 0
    while offset < size:
        length = min(patch_bytes, size - offset)
        connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=120)
        connection.putrequest("PATCH", path)
        for name, value in {**PATCH, **auth, "Upload-Offset": str(offset), "Content-Length": str(length)}.items():
            connection.putheader(name, value)
        connection.endheaders()
        sent = 0
        while sent < length:
            block = next(blocks)
            assert sent + len(block) <= length, "PATCH sizes are whole MiB"
            digest.update(block)
            connection.send(block)
            sent += len(block)
        response = connection.getresponse()
        response.read()
        connection.close()
        assert response.status == 204, response.status
        offset = int(response.headers["Upload-Offset"])
    return digest.hexdigest()


def stored_digest(store: S3 | None, upload_id: str, data_dir: Path) -> str:
    digest = hashlib.sha256()
    if store is None:
        path = data_dir / "test-media" / "private" / "uploads" / f"{upload_id}.part"
        with path.open("rb") as handle:
            while block := handle.read(MiB):
                digest.update(block)
    else:
        answer = store.client.get_object(Bucket=store.private_bucket, Key=f"uploads/{upload_id}.part")
        for block in answer["Body"].iter_chunks(MiB):
            digest.update(block)
    return digest.hexdigest()


@pytest.mark.slow
@pytest.mark.parametrize("where", ["local", "s3"])
def test_receiving_100_mb_keeps_the_web_process_small(request, token, tmp_path, where):
    """The same measurement as bench/uploads.py (1 GB there): the gunicorn worker's VmRSS grows by less than
    80 MB while it receives 100 MB (bounded by design: one chunk read at a time, one 8 MiB part at a time). The
    growth, not the total, is what receiving costs: the total also holds every app the process loads, which grows
    with the product (156 MiB on S3 once the clinics and feeds arrived, for the same growth)."""
    s3 = request.getfixturevalue("s3") if where == "s3" else None
    node = WebNode(tmp_path / "node", **(s3.environ() if s3 else {}))
    try:
        requests.options(f"{node.url}/api/v1/uploads/", timeout=30)  # the worker has loaded everything
        with PeakRss(node.worker_pid()) as rss:
            sent = send_streaming(node.url, token, 100 * MiB, patch_bytes=25 * MiB)
        upload = Upload.objects.get()
        assert upload.is_complete
        assert stored_digest(s3, upload.pk, tmp_path / "node") == sent
        grown = rss.peak - rss.first
        assert grown < 80 * MiB, f"VmRSS {rss.first / MiB:.0f} → peak {rss.peak / MiB:.0f} MiB"
    finally:
        node.stop()


def test_the_sweep_removes_what_no_upload_accounts_for(s3, member, settings):
    """What a cleanup missed while the store was down: multipart uploads and objects under uploads/ without a
    row go; a live upload's stay."""
    import dataclasses

    from cryoview.videos.uploads import upload_append, upload_create, uploads_strays_remove

    live = upload_create(user=member, length=12 * MiB, metadata="")
    upload_append(upload=live, offset=0, stream=io.BytesIO(payload(10 * MiB)), content_length=10 * MiB)
    s3.client.put_object(Bucket=s3.private_bucket, Key="uploads/0123abcd.tail", Body=b"left over")
    s3.client.put_object(Bucket=s3.private_bucket, Key="videos/keep-me/original", Body=b"not an upload")
    settings.CONFIG = dataclasses.replace(settings.CONFIG, orphan_grace_hours=1)
    assert uploads_strays_remove() == 0, "younger than the grace period: kept"
    # (moto reports a fixed date in 2010 as every multipart upload's start, so only objects show the grace.)
    s3.client.create_multipart_upload(Bucket=s3.private_bucket, Key="uploads/0123abcd.part")
    settings.CONFIG = dataclasses.replace(settings.CONFIG, orphan_grace_hours=-1)  # everything is old enough
    assert uploads_strays_remove() == 2
    assert multipart_uploads(s3) == [f"uploads/{live.pk}.part"]
    assert s3.keys(s3.private_bucket) == [f"uploads/{live.pk}.tail", "videos/keep-me/original"]


def test_a_request_that_lost_its_lease_stores_nothing_more(store, member, monkeypatch):
    """A request stalled past its lease while another took the upload over: at its next chunk it stops (423)
    and the other request's offset stands."""
    from cryoview.videos import uploads
    from cryoview.videos.uploads import UploadLocked, upload_append, upload_create

    upload = upload_create(user=member, length=2 * MiB, metadata="")
    monkeypatch.setattr(uploads, "LEASE_RENEW_SECONDS", 0.0)  # check the lease at every chunk

    class Stalling(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            if self.tell() == upload_store.CHUNK:  # meanwhile, the lease lapsed and another request took it
                Upload.objects.filter(pk=upload.pk).update(lease_token="another-request", offset=5)
            return super().read(size)

    with pytest.raises(UploadLocked):
        upload_append(upload=upload, offset=0, stream=Stalling(payload(MiB)), content_length=MiB)
    row = Upload.objects.get(pk=upload.pk)
    assert (row.offset, row.lease_token) == (5, "another-request"), "untouched: the other request holds it"


def test_the_retry_of_a_last_patch_whose_node_died_after_completing_finishes_the_upload(s3, member):
    """The node completed the multipart upload and died before the row counted it: the client's retry of the
    last PATCH finds the finished object and the upload completes (rather than being taken for deleted)."""
    from cryoview.videos.uploads import upload_append, upload_create

    data = payload(9 * MiB)
    upload = upload_create(user=member, length=len(data), metadata="")
    upload_append(upload=upload, offset=0, stream=io.BytesIO(data[: 6 * MiB]), content_length=6 * MiB)
    before = Upload.objects.filter(pk=upload.pk).values("offset", "parts").get()
    upload_append(upload=upload, offset=6 * MiB, stream=io.BytesIO(data[6 * MiB :]), content_length=3 * MiB)
    Upload.objects.filter(pk=upload.pk).update(**before, completed_at=None)  # the count the node never wrote

    result = upload_append(
        upload=Upload.objects.get(pk=upload.pk),
        offset=6 * MiB,
        stream=io.BytesIO(data[6 * MiB :]),
        content_length=3 * MiB,
    )
    assert result.upload.offset == len(data)
    assert Upload.objects.get(pk=upload.pk).is_complete
    assert stored(s3, upload.pk) == data
    assert s3.keys(s3.private_bucket) == [f"uploads/{upload.pk}.part"] and multipart_uploads(s3) == []
