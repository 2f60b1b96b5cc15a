"""tus 1.0 at /api/v1/uploads/ and POST /api/v1/videos: protocol, limits, ownership, expiry, leftovers."""

from __future__ import annotations

import base64
import dataclasses
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from cryoview.accounts.services import token_issue
from cryoview.videos import storage
from cryoview.videos.models import Upload, Video, VideoJob
from cryoview.videos.uploads import private_path, upload_append, uploads_expire

# Real commits: files of deleted rows go only once the deletion commits (transaction.on_commit).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("clean_private_store")]
TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}
URL = "/api/v1/uploads/"


def create(client, length: int, name: str = "review.mp4", **headers):
    meta = f"filename {base64.b64encode(name.encode()).decode()},filetype {base64.b64encode(b'video/mp4').decode()}"
    return client.post(URL, HTTP_UPLOAD_LENGTH=str(length), HTTP_UPLOAD_METADATA=meta, **TUS, **headers)


def patch(client, location: str, data: bytes, offset: int, content_type="application/offset+octet-stream"):
    return client.generic("PATCH", location, data, content_type=content_type, HTTP_UPLOAD_OFFSET=str(offset), **TUS)


def files_left() -> list[Path]:
    root = storage.private_root()
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_options_advertises_the_protocol(client):
    response = client.options(URL)
    assert response.status_code == 204
    assert response["Tus-Version"] == "1.0.0"
    assert set(response["Tus-Extension"].split(",")) == {"creation", "termination", "expiration"}
    assert int(response["Tus-Max-Size"]) == 2 * 1024**3


def test_create_head_patch_complete(client, member):
    client.force_login(member)
    body = b"0123456789" * 1000
    created = create(client, len(body))
    assert created.status_code == 201
    location = created["Location"]
    assert created["Upload-Expires"].endswith("GMT")
    head = client.head(location, **TUS)
    assert head.status_code == 200 and head["Upload-Offset"] == "0" and head["Upload-Length"] == str(len(body))
    assert head["Cache-Control"] == "no-store"
    first = patch(client, location, body[:4000], 0)
    assert first.status_code == 204 and first["Upload-Offset"] == "4000"
    second = patch(client, location, body[4000:], 4000)
    assert second.status_code == 204 and second["Upload-Offset"] == str(len(body))
    upload = Upload.objects.get()
    assert upload.is_complete and upload.completed_at is not None
    assert upload.filename == "review.mp4"
    assert private_path(upload.storage_name).read_bytes() == body


def test_wrong_offset_is_409_and_changes_nothing(client, member):
    client.force_login(member)
    location = create(client, 100)["Location"]
    patch(client, location, b"a" * 10, 0)
    response = patch(client, location, b"b" * 10, 5)
    assert response.status_code == 409
    assert response.json()["code"] == "offset_mismatch"
    assert client.head(location, **TUS)["Upload-Offset"] == "10"


def test_resume_after_an_interrupted_request(member):
    """The connection drops after 3 of 10 bytes: those stay, and the client resumes from offset 3."""

    class Dropping(io.BytesIO):
        def read(self, size=-1):
            if self.tell() >= 3:
                raise OSError("connection reset by peer")
            return super().read(min(size, 3 - self.tell()))

    from cryoview.videos.uploads import upload_create

    upload = upload_create(user=member, length=10, metadata="")
    result = upload_append(upload=upload, offset=0, stream=Dropping(b"0123456789"), content_length=10)
    assert result.upload.offset == 3
    upload_append(upload=upload, offset=3, stream=io.BytesIO(b"3456789"), content_length=7)
    assert private_path(upload.storage_name).read_bytes() == b"0123456789"
    assert Upload.objects.get().is_complete


def test_another_user_gets_404(client, member, other_member):
    client.force_login(member)
    location = create(client, 100)["Location"]
    client.force_login(other_member)
    assert client.head(location, **TUS).status_code == 404
    assert patch(client, location, b"x", 0).status_code == 404
    assert client.delete(location, **TUS).status_code == 404
    assert Upload.objects.count() == 1


def test_termination_deletes_the_bytes(client, member):
    client.force_login(member)
    location = create(client, 100)["Location"]
    patch(client, location, b"x" * 50, 0)
    assert client.delete(location, **TUS).status_code == 204
    assert Upload.objects.count() == 0 and files_left() == []
    assert client.head(location, **TUS).status_code == 404


def test_expired_uploads_are_gone_and_swept(client, member):
    client.force_login(member)
    location = create(client, 100)["Location"]
    patch(client, location, b"x" * 50, 0)
    Upload.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.head(location, **TUS).status_code == 410
    assert files_left() == []
    create(client, 100)
    Upload.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert uploads_expire() == 1
    assert Upload.objects.count() == 0 and files_left() == []


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({"HTTP_UPLOAD_LENGTH": "abc"}, 400, "bad_header"),
        ({"HTTP_UPLOAD_LENGTH": "-5"}, 400, "bad_header"),
        ({}, 400, "bad_length"),
        ({"HTTP_UPLOAD_LENGTH": "0"}, 422, "empty"),
        ({"HTTP_UPLOAD_LENGTH": str(2 * 1024**3 + 1)}, 413, "too_large_bytes"),
        ({"HTTP_UPLOAD_LENGTH": "10", "HTTP_UPLOAD_METADATA": "filename !!!notbase64"}, 400, "bad_metadata"),
        ({"HTTP_UPLOAD_LENGTH": "10", "HTTP_UPLOAD_METADATA": "b@d value"}, 400, "bad_metadata"),
    ],
)
def test_bad_creation_requests_leave_nothing(client, member, headers, status, code):
    client.force_login(member)
    response = client.post(URL, **TUS, **headers)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert Upload.objects.count() == 0 and files_left() == []


def test_the_quota_is_enforced(client, member, settings):
    settings.CONFIG = dataclasses.replace(settings.CONFIG, upload_quota_bytes=150)
    client.force_login(member)
    assert create(client, 100).status_code == 201
    response = create(client, 100)
    assert response.status_code == 413 and "quota" in response.json()["detail"]
    assert Upload.objects.count() == 1


def test_protocol_errors(client, member):
    client.force_login(member)
    assert client.post(URL, HTTP_UPLOAD_LENGTH="10").status_code == 412  # no Tus-Resumable
    location = create(client, 10)["Location"]
    assert patch(client, location, b"x", 0, content_type="text/plain").status_code == 415
    assert (
        client.generic("PATCH", location, b"x", content_type="application/offset+octet-stream", **TUS).status_code
        == 400
    )  # no Upload-Offset
    assert patch(client, location, b"x" * 11, 0).status_code == 413
    assert client.head(location, **TUS)["Upload-Offset"] == "0"


@pytest.mark.parametrize(
    "length_headers",
    [{"HTTP_TRANSFER_ENCODING": "chunked"}, {"CONTENT_LENGTH": ""}, {"HTTP_TRANSFER_ENCODING": "gzip, chunked"}],
    ids=["chunked", "no-content-length", "gzip-chunked"],
)
def test_a_patch_without_content_length_is_411_and_stores_nothing(client, member, length_headers):
    client.force_login(member)
    location = create(client, 10)["Location"]
    response = client.generic(
        "PATCH",
        location,
        b"0123456789",
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET="0",
        **TUS,
        **length_headers,
    )
    assert response.status_code == 411
    assert response.json()["code"] == "length_required" and response["Tus-Resumable"] == "1.0.0"
    assert Upload.objects.get().offset == 0


def test_needs_credentials_and_accepts_a_bearer_token(client, member):
    assert create(client, 10).status_code == 401
    secret = token_issue(user=member, name="uploader").secret
    response = create(client, 10, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 201


def test_session_uploads_need_the_csrf_token(member):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    forged = create(strict, 10)
    assert forged.status_code == 403 and forged.json()["code"] == "csrf_failed", "refused, never a visitor's request"
    assert not Upload.objects.exists(), "a refused request changes nothing"
    strict.get("/videos/new/")
    token = strict.cookies["csrftoken"].value
    assert create(strict, 10, HTTP_X_CSRFTOKEN=token).status_code == 201


# POST /api/v1/videos --------------------------------------------------------------------------------


def upload_file(client, path: Path) -> str:
    data = path.read_bytes()
    location = create(client, len(data), name=path.name)["Location"]
    assert patch(client, location, data, 0).status_code == 204
    return location.rsplit("/", 1)[-1]


def test_a_completed_upload_becomes_a_video_once(client, member, clip, django_capture_on_commit_callbacks):
    client.force_login(member)
    upload_id = upload_file(client, clip)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/api/v1/videos", {"upload_id": upload_id}, content_type="application/json")
    assert first.status_code == 201
    body = first.json()
    assert body["status"] == "queued"
    again = client.post("/api/v1/videos", {"upload_id": upload_id}, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    video = Video.objects.get()
    assert video.duration == pytest.approx(2.0, abs=0.2) and (video.width, video.height) == (320, 240)
    assert VideoJob.objects.get(video=video).state == "queued"
    assert Upload.objects.count() == 0
    assert storage.original_path(video.pk).exists()


def test_an_incomplete_upload_is_409(client, member):
    client.force_login(member)
    location = create(client, 100)["Location"]
    response = client.post(
        "/api/v1/videos", {"upload_id": location.rsplit("/", 1)[-1]}, content_type="application/json"
    )
    assert response.status_code == 409 and response.json()["code"] == "upload_incomplete"


def test_someone_elses_upload_is_404(client, member, other_member, clip):
    client.force_login(member)
    upload_id = upload_file(client, clip)
    client.force_login(other_member)
    response = client.post("/api/v1/videos", {"upload_id": upload_id}, content_type="application/json")
    assert response.status_code == 404
    assert Video.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n", "not_a_video"),
        (b"ffconcat version 1.0\nfile '/etc/hostname'\n", "not_a_video"),
        (b"\x00" * 4096, "not_a_video"),
    ],
)
def test_a_rejected_file_leaves_nothing_behind(client, member, content, code, tmp_path):
    client.force_login(member)
    fake = tmp_path / "holiday.mp4"
    fake.write_bytes(content)
    upload_id = upload_file(client, fake)
    response = client.post("/api/v1/videos", {"upload_id": upload_id}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert Video.objects.count() == 0 and VideoJob.objects.count() == 0 and Upload.objects.count() == 0
    assert files_left() == []


def test_too_long_names_the_limit(client, member, clip, settings):
    settings.CONFIG = dataclasses.replace(settings.CONFIG, video_max_seconds=1)
    client.force_login(member)
    response = client.post("/api/v1/videos", {"upload_id": upload_file(client, clip)}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "too_long"
    assert "1 s" in response.json()["detail"] or "limit" in response.json()["detail"]
    assert files_left() == []


def test_a_long_request_keeps_its_progress_as_it_goes(member, monkeypatch):
    """If the worker is killed mid-request, the saved offset matches bytes safely on disk."""
    from cryoview.videos import upload_store
    from cryoview.videos.uploads import upload_create

    monkeypatch.setattr(upload_store, "CHECKPOINT_BYTES", 1000)
    seen: list[int] = []

    class Watching(io.BytesIO):
        def read(self, size=-1):
            seen.append(Upload.objects.get().offset)
            return super().read(min(size, 500))

    upload = upload_create(user=member, length=5000, metadata="")
    upload_append(upload=upload, offset=0, stream=Watching(b"x" * 5000), content_length=5000)
    assert {1000, 2000, 3000, 4000} <= set(seen)
    assert Upload.objects.get().offset == 5000


def test_an_upload_whose_file_is_gone_is_a_410_not_a_500(client, member, clip):
    client.force_login(member)
    upload_id = upload_file(client, clip)
    # As if a tus DELETE had unlinked the file and not yet deleted the row: the file is not "undecodable".
    private_path(Upload.objects.get(pk=upload_id).storage_name).unlink()
    response = client.post("/api/v1/videos", {"upload_id": upload_id}, content_type="application/json")
    assert response.status_code == 410 and response.json()["code"] == "upload_gone"
    assert Video.objects.count() == 0
    assert Upload.objects.get(pk=upload_id).claimed_at is None  # released: nothing holds it


def test_a_claimed_upload_is_busy_until_the_claim_is_stale(client, member, clip):
    client.force_login(member)
    upload_id = upload_file(client, clip)
    Upload.objects.filter(pk=upload_id).update(claimed_at=timezone.now())  # another request is checking it
    response = client.post("/api/v1/videos", {"upload_id": upload_id}, content_type="application/json")
    assert response.status_code == 409 and response.json()["code"] == "busy"
    assert Video.objects.count() == 0 and Upload.objects.filter(pk=upload_id).exists()
    # That request died: after CLAIM_STALE_AFTER another takes the upload over.
    Upload.objects.filter(pk=upload_id).update(claimed_at=timezone.now() - timedelta(minutes=16))
    response = client.post("/api/v1/videos", {"upload_id": upload_id}, content_type="application/json")
    assert response.status_code == 201
    assert Video.objects.count() == 1 and not Upload.objects.exists()
