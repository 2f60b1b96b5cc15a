"""Races on a live server (real sockets, a thread per request, the file-backed test database).

A tus PATCH still sending when the upload is deleted, a chunked PATCH, and five simultaneous
POST /api/v1/videos for one upload. Each request is a real HTTP request, so each runs in its own
server thread with its own database connection, as in several web processes.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from cryoview.accounts.services import token_issue
from cryoview.videos import storage
from cryoview.videos.models import Upload, Video
from cryoview.videos.upload_store import CHUNK
from cryoview.videos.uploads import private_path

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("clean_private_store")]


class Server:
    def __init__(self, url: str, token: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "localhost", parts.port or 80
        self.auth = {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"}

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=60)

    def request(self, method: str, path: str, body: bytes = b"", **headers: str) -> tuple[int, Any]:
        connection = self.connect()
        try:
            connection.request(method, path, body=body, headers={**self.auth, **headers})
            response = connection.getresponse()
            data = response.read()
            return response.status, json.loads(data) if data.startswith(b"{") else data
        finally:
            connection.close()

    def create_upload(self, length: int) -> str:
        connection = self.connect()
        connection.request("POST", "/api/v1/uploads/", headers={**self.auth, "Upload-Length": str(length)})
        response = connection.getresponse()
        response.read()
        assert response.status == 201
        return str(urlsplit(response.headers["Location"]).path)


@pytest.fixture
def server(live_server, member) -> Iterator[Server]:
    yield Server(live_server.url, token_issue(user=member, name="races").secret)


def files_left() -> list[Path]:
    root = storage.private_root()
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def start_patch(server: Server, location: str, total: int) -> http.client.HTTPConnection:
    """Send a PATCH's headers, announcing `total` bytes, and no body yet."""
    connection = server.connect()
    connection.putrequest("PATCH", location)
    headers = {**server.auth, "Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"}
    for name, value in {**headers, "Content-Length": str(total)}.items():
        connection.putheader(name, value)
    connection.endheaders()
    return connection


def wait_for_bytes_on_disk(upload_id: str, size: int) -> None:
    path = private_path(f"uploads/{upload_id}.part")
    deadline = time.monotonic() + 20
    while not (path.exists() and path.stat().st_size >= size):
        assert time.monotonic() < deadline, "the PATCH never started writing"
        time.sleep(0.01)


@pytest.mark.parametrize("when", ["after-the-first-chunk-is-on-disk", "before-any-body-byte"])
def test_a_delete_while_a_patch_is_sending_ends_cleanly(server, when):
    total = 3 * CHUNK
    location = server.create_upload(total)
    upload_id = location.rsplit("/", 1)[-1]
    patch = start_patch(server, location, total)
    if when == "after-the-first-chunk-is-on-disk":
        patch.send(b"a" * (CHUNK + 10))
        wait_for_bytes_on_disk(upload_id, CHUNK)  # the server is inside the PATCH, holding the file
    status, _ = server.request("DELETE", location)
    assert status == 204
    assert not Upload.objects.filter(pk=upload_id).exists()
    with contextlib.suppress(OSError):  # the server may answer and close before reading the rest: also clean
        patch.send(b"b" * (total - (CHUNK + 10 if when.startswith("after") else 0)))
    response = patch.getresponse()
    body = json.loads(response.read())
    patch.close()
    assert response.status in (404, 409, 410), body
    assert body["status"] == response.status and body["code"] in ("upload_gone", "not_found", "offset_mismatch")
    assert not Upload.objects.exists()
    assert files_left() == []
    # And the upload stays gone.
    assert server.request("HEAD", location)[0] == 404


def test_a_delete_while_the_client_stops_sending_leaves_nothing(server):
    total = 3 * CHUNK
    location = server.create_upload(total)
    upload_id = location.rsplit("/", 1)[-1]
    patch = start_patch(server, location, total)
    patch.send(b"a" * (CHUNK + 10))
    wait_for_bytes_on_disk(upload_id, CHUNK)
    assert server.request("DELETE", location)[0] == 204
    patch.close()  # the connection drops mid-body
    deadline = time.monotonic() + 20
    while files_left() and time.monotonic() < deadline:
        time.sleep(0.05)  # the server thread notices the short body and closes the file
    assert files_left() == []
    assert not Upload.objects.exists()


def test_a_chunked_patch_is_411_and_stores_nothing(server):
    location = server.create_upload(10)
    upload_id = location.rsplit("/", 1)[-1]
    connection = server.connect()
    connection.putrequest("PATCH", location)
    headers = {**server.auth, "Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"}
    for name, value in {**headers, "Transfer-Encoding": "chunked"}.items():
        connection.putheader(name, value)
    connection.endheaders()
    connection.send(b"a\r\n0123456789\r\n0\r\n\r\n")
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()
    assert response.status == 411
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert body["code"] == "length_required" and "Content-Length" in body["detail"]
    assert body["errors"] == [{"field": "Content-Length", "message": "is required"}]
    assert Upload.objects.get(pk=upload_id).offset == 0
    assert private_path(f"uploads/{upload_id}.part").stat().st_size == 0
    # The same bytes with a Content-Length go through.
    status, _ = server.request(
        "PATCH", location, b"0123456789", **{"Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"}
    )
    assert status == 204 and Upload.objects.get(pk=upload_id).offset == 10


ROUNDS = 3
PARALLEL = 5


def create_at_once(server: Server, upload_id: str) -> list[tuple[int, Any]]:
    """PARALLEL POST /api/v1/videos for one upload, released together by a barrier."""
    start = threading.Barrier(PARALLEL)
    answers: list[tuple[int, Any]] = []
    body = json.dumps({"upload_id": upload_id}).encode()

    def create() -> None:
        start.wait()
        answers.append(server.request("POST", "/api/v1/videos", body, **{"Content-Type": "application/json"}))

    threads = [threading.Thread(target=create) for _ in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def test_five_simultaneous_video_creations_answer_one_video_or_busy(server, clip):
    data = clip.read_bytes()
    for _ in range(ROUNDS):
        location = server.create_upload(len(data))
        upload_id = location.rsplit("/", 1)[-1]
        status, _ = server.request(
            "PATCH", location, data, **{"Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"}
        )
        assert status == 204
        answers = create_at_once(server, upload_id)
        assert len(answers) == PARALLEL
        statuses = sorted(status for status, _ in answers)
        assert set(statuses) <= {200, 201, 409}, answers
        assert statuses.count(201) == 1, answers
        video = Video.objects.get(upload_id=upload_id)
        for status, body in answers:
            if status == 409:
                assert body["code"] == "busy", body
            else:
                assert body["id"] == str(video.pk), body
        # Asked again once the dust has settled: the same video.
        status, body = server.request(
            "POST",
            "/api/v1/videos",
            json.dumps({"upload_id": upload_id}).encode(),
            **{"Content-Type": "application/json"},
        )
        assert (status, body["id"]) == (200, str(video.pk))
    assert Video.objects.count() == ROUNDS
    assert not Upload.objects.exists()
    assert sorted(p.name for p in files_left()) == ["original"] * ROUNDS
