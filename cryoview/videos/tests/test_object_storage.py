"""Every media file on S3-compatible object storage (moto's server, real SigV4, real ffmpeg): the pipeline's
objects and nothing on the local disk, an interrupted attempt, playback redirects that really serve Range,
deletion, the audit, and a store that cannot be reached."""

from __future__ import annotations

import json
import os
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from config.env import S3Config
from config.settings.base import s3_storages
from cryoview.core.tests.objectstore import S3, free_port
from cryoview.videos import pipeline, storage
from cryoview.videos.enums import JobState, VideoStatus
from cryoview.videos.housekeeping import orphans_sweep, stray_files
from cryoview.videos.models import Caption, Video, VideoJob
from cryoview.videos.pipeline import video_process
from cryoview.videos.services import video_delete, video_set_published
from cryoview.videos.tests.conftest import ProcessedMedia

pytestmark = pytest.mark.django_db(transaction=True)


def stored_video(owner: Any, clip: Path) -> Video:
    """A video whose original is in the private bucket, queued (what the upload service leaves behind)."""
    video_id = uuid.uuid4()
    storage.private_store().put_file(storage.original_name(video_id), clip)
    video = Video.objects.create(
        id=video_id,
        owner=owner,
        upload_id=uuid.uuid4().hex,
        original_name=clip.name,
        original_path=storage.original_name(video_id),
    )
    VideoJob.objects.create(video=video, enqueued_at=timezone.now())
    return video


def ready_video(owner: Any, media: ProcessedMedia) -> Video:
    """A processed video with speech, fast: the session's real outputs put as attempt 1's complete set, then
    the real job, which finds the set and records it (as after a transcode)."""
    video = stored_video(owner, media.clip)
    store = storage.private_store()
    prefix = storage.attempt_out_prefix(video.pk, 1)
    for path in sorted(media.outputs.iterdir()):
        store.put_file(f"{prefix}/{path.name}", path)
    assert video_process(job_id=video.job.pk) == JobState.SUCCEEDED
    return Video.objects.get(pk=video.pk)


def local_files_of(video_id: uuid.UUID) -> list[Path]:
    """Anything of the video on the local disk: the media roots and the scratch folder."""
    roots = (Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT), Path(settings.SCRATCH_DIR))
    return [p for root in roots if root.exists() for p in root.rglob("*") if str(video_id) in str(p)]


def fetch(url: str, **headers: str) -> tuple[int, bytes]:
    response = requests.get(url, headers=headers, timeout=10, allow_redirects=False)
    return response.status_code, response.content


def media_url(video: Video, name: str) -> str:
    return f"/media/videos/{video.pk}/{name}"


def test_the_whole_pipeline_puts_exactly_its_objects_and_nothing_on_disk(s3: S3, member, clip):
    video = stored_video(member, clip)
    assert video_process(job_id=video.job.pk) == JobState.SUCCEEDED
    video.refresh_from_db()
    out = f"videos/{video.pk}/out/attempt-1"
    assert video.status == VideoStatus.READY and video.output_dir == out
    assert video.original_path == ""  # deleted after success (CRYOVIEW_KEEP_ORIGINALS is off)
    # 320x240: one 360-line rendition (nothing is upscaled), the poster, captions and transcript, manifest.
    produced = ["360.mp4", "captions.en.vtt", "manifest.json", "poster.jpg", "transcript.json"]
    assert s3.all_keys() == {"private": [f"{out}/{name}" for name in produced], "public": []}
    assert [r.path for r in video.renditions.all()] == [f"{out}/360.mp4"]
    assert video.poster_path == f"{out}/poster.jpg"
    head = s3.client.head_object(Bucket=s3.private_bucket, Key=f"{out}/360.mp4")
    assert head["ContentType"] == "video/mp4"
    assert local_files_of(video.pk) == []


class Interrupt(BaseException):
    """What a killed worker looks like from the inside: nothing after this line runs (no except clause)."""


def rerun_after_death(video: Video) -> str:
    """The sweeper's view of a dead worker: its heartbeat is old, so the next delivery takes the job."""
    VideoJob.objects.filter(pk=video.job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    return video_process(job_id=video.job.pk)


def test_a_worker_killed_while_uploading_leaves_one_set_after_the_rerun(s3: S3, member, clip, monkeypatch):
    video = stored_video(member, clip)
    real_put = storage.MediaStore.put_file
    puts: list[str] = []

    def put_then_die(self: storage.MediaStore, name: str, source: Path) -> None:
        if len(puts) == 2:
            raise Interrupt
        puts.append(name)
        real_put(self, name, source)

    monkeypatch.setattr(storage.MediaStore, "put_file", put_then_die)
    with pytest.raises(Interrupt):
        video_process(job_id=video.job.pk)
    partial = s3.keys(s3.private_bucket, f"videos/{video.pk}/out/")
    assert partial == sorted(puts) and len(partial) == 2  # a partial set, never recorded
    assert Video.objects.get(pk=video.pk).output_dir == ""
    # What SIGKILL would have left in scratch (no finally runs then): swept by the next attempt.
    leftover = storage.scratch_dir(video.pk, 1) / "original"
    leftover.parent.mkdir(parents=True, exist_ok=True)
    leftover.write_bytes(b"left by a killed worker")

    monkeypatch.setattr(storage.MediaStore, "put_file", real_put)
    assert rerun_after_death(video) == JobState.SUCCEEDED
    video.refresh_from_db()
    assert video.output_dir == f"videos/{video.pk}/out/attempt-2"
    keys = s3.keys(s3.private_bucket)
    assert keys and all(k.startswith(f"videos/{video.pk}/out/attempt-2/") for k in keys), keys
    assert sorted(r.path for r in video.renditions.all()) == [k for k in keys if k.endswith(".mp4")]
    assert local_files_of(video.pk) == []


def test_a_worker_killed_between_the_manifest_and_the_database_is_finished_without_a_second_set(
    s3: S3, member, clip, monkeypatch
):
    video = stored_video(member, clip)
    real_record = pipeline._record
    monkeypatch.setattr(pipeline, "_record", lambda *args: (_ for _ in ()).throw(Interrupt()))
    with pytest.raises(Interrupt):
        video_process(job_id=video.job.pk)
    first = s3.keys(s3.private_bucket, f"videos/{video.pk}/out/")
    assert f"videos/{video.pk}/out/attempt-1/manifest.json" in first
    assert Video.objects.get(pk=video.pk).status != VideoStatus.READY

    monkeypatch.setattr(pipeline, "_record", real_record)
    # Meanwhile a worker taken for dead wrote part of another set: only the recorded set stays.
    s3.client.put_object(Bucket=s3.private_bucket, Key=f"videos/{video.pk}/out/attempt-9/360.mp4", Body=b"late")
    puts: list[str] = []
    real_put = storage.MediaStore.put_file
    monkeypatch.setattr(storage.MediaStore, "put_file", lambda self, name, source: puts.append(name))
    assert rerun_after_death(video) == JobState.SUCCEEDED
    assert puts == [], "the rerun records the complete set, it does not make another"
    monkeypatch.setattr(storage.MediaStore, "put_file", real_put)
    video.refresh_from_db()
    assert video.status == VideoStatus.READY and video.output_dir == f"videos/{video.pk}/out/attempt-1"
    assert s3.keys(s3.private_bucket) == first  # the original went, nothing else changed


def test_private_media_redirects_to_a_signed_link_that_serves_ranges(
    s3: S3, client, member, other_member, speaking_media
):
    video = ready_video(member, speaking_media)
    assert client.get(media_url(video, "720.mp4")).status_code == 404  # a visitor
    client.force_login(other_member)
    assert client.get(media_url(video, "720.mp4")).status_code == 404
    assert client.get(media_url(video, "../original")).status_code == 404
    client.force_login(member)
    response = client.get(media_url(video, "720.mp4"))
    assert response.status_code == 302 and response["Cache-Control"] == "private, no-store"
    location = response["Location"]
    assert location.startswith(f"{s3.endpoint_url}/{s3.private_bucket}/videos/{video.pk}/out/attempt-1/720.mp4?")
    assert "X-Amz-Signature=" in location and "X-Amz-Expires=300" in location
    whole = (speaking_media.outputs / "720.mp4").read_bytes()
    status, body = fetch(location, Range="bytes=100-1123")
    assert (status, body) == (206, whole[100:1124])
    assert fetch(location.split("?", 1)[0])[0] == 403, "without the signature the private bucket refuses"
    assert client.get(media_url(video, "9999.mp4")).status_code == 404  # allowed name, no such object


def public_read(s3: S3) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{s3.public_bucket}/*",
            }
        ],
    }
    s3.client.put_bucket_policy(Bucket=s3.public_bucket, Policy=json.dumps(policy))


def test_published_media_redirects_to_the_public_bucket_until_withdrawn(s3: S3, client, member, speaking_media):
    public_read(s3)  # what the operator sets up for the public bucket (README)
    video = ready_video(member, speaking_media)
    video_set_published(video=video, published=True, title="Two sessions")
    prefix = f"videos/{video.pk}"
    names = ["720.mp4", "360.mp4", "captions.en.vtt", "poster.jpg", "transcript.json"]
    assert s3.keys(s3.public_bucket) == sorted(f"{prefix}/{n}" for n in names)
    response = client.get(media_url(video, "360.mp4"))  # anyone
    assert response.status_code == 302 and response["Cache-Control"] == "public, max-age=300"
    assert response["Location"] == f"{s3.endpoint_url}/{s3.public_bucket}/{prefix}/360.mp4"
    status, body = fetch(response["Location"], Range="bytes=0-99")
    assert (status, body) == (206, (speaking_media.outputs / "360.mp4").read_bytes()[:100])
    head = s3.client.head_object(Bucket=s3.public_bucket, Key=f"{prefix}/captions.en.vtt")
    assert head["ContentType"].startswith("text/vtt")

    video_set_published(video=video, published=False)
    assert s3.keys(s3.public_bucket) == []
    assert client.get(media_url(video, "360.mp4")).status_code == 404


def test_owner_edits_captions_in_the_bucket(s3: S3, client, member, speaking_media):
    video = ready_video(member, speaking_media)
    video_set_published(video=video, published=True, title="Edited")
    client.force_login(member)
    page = client.get(f"/videos/{video.pk}/")
    assert page.status_code == 200
    rows = {"cue-start": ["00:00:00.000"], "cue-end": ["00:00:01.500"], "cue-text": ["Close your eyes."]}
    assert client.post(f"/videos/{video.pk}/", rows).status_code == 302
    caption = Caption.objects.get(video=video)
    for bucket, key in ((s3.private_bucket, caption.path), (s3.public_bucket, f"videos/{video.pk}/captions.en.vtt")):
        text = s3.client.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
        assert "Close your eyes." in text, bucket
    transcript = s3.client.get_object(Bucket=s3.private_bucket, Key=f"{video.output_dir}/transcript.json")
    assert json.loads(transcript["Body"].read())[0]["text"] == "Close your eyes."
    assert "Close your eyes." in client.get(f"/videos/{video.pk}/").content.decode()


def test_deleting_a_published_video_deletes_every_object(s3: S3, member, speaking_media):
    video = ready_video(member, speaking_media)
    video_set_published(video=video, published=True, title="Gone soon")
    assert s3.keys(s3.public_bucket) and s3.keys(s3.private_bucket)
    video_delete(video=video)
    assert s3.all_keys() == {"private": [], "public": []}


def test_media_audit_finds_stray_and_missing_objects_and_deletes_old_strays(s3: S3, member, speaking_media):
    video = ready_video(member, speaking_media)
    stray = f"videos/{uuid.uuid4()}/original"
    s3.client.put_object(Bucket=s3.private_bucket, Key=stray, Body=b"o" * 3000)
    s3.client.put_object(Bucket=s3.public_bucket, Key=f"videos/{video.pk}/720.mp4", Body=b"unpublished copy")
    rendition = video.renditions.get(height=360)
    s3.client.delete_object(Bucket=s3.private_bucket, Key=rendition.path)
    with pytest.raises(CommandError) as failed:
        call_command("media_audit", stdout=(out := _Text()))
    assert failed.value.returncode == 1
    text = out.value
    assert f"row without file: video {video.pk} (ready): rendition 360p {rendition.path}" in text
    assert f"file without row: private:{stray.rsplit('/', 1)[0]} 2.9 KiB (3000 bytes)" in text
    assert f"file without row: public:videos/{video.pk} 16 B" in text
    assert "1 rows without files, 2 files without rows" in text

    with pytest.raises(CommandError):  # the missing rendition stays a finding
        call_command("media_audit", "--delete-orphans", "--grace-hours", "0", stdout=(out := _Text()))
    assert f"deleted: private:{stray.rsplit('/', 1)[0]}" in out.value
    assert s3.keys(s3.public_bucket) == [] and stray not in s3.keys(s3.private_bucket)
    assert f"{video.output_dir}/720.mp4" in s3.keys(s3.private_bucket)  # the row's objects stay


class _Text:
    def __init__(self) -> None:
        self.value = ""

    def write(self, text: str) -> None:
        self.value += text

    def flush(self) -> None:
        pass


def test_a_store_that_cannot_be_reached_gives_503_and_the_job_waits(s3: S3, client, member, clip, settings):
    video = stored_video(member, clip)
    ready = Video.objects.create(
        owner=member,
        upload_id=uuid.uuid4().hex,
        status=VideoStatus.READY,
        output_dir="videos/x/out/attempt-1",
        ready_at=timezone.now(),
    )
    Caption.objects.create(video=ready, lang="en", path="videos/x/out/attempt-1/captions.en.vtt")
    up = settings.STORAGES
    settings.STORAGES = down_storages(s3, up)
    client.force_login(member)
    response = client.get(media_url(ready, "360.mp4"))
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert b"cannot be reached" in response.content
    page = client.get(f"/videos/{ready.pk}/")  # the caption editor reads the captions from the store
    assert page.status_code == 503 and page["Retry-After"] == "60"
    assert "media store cannot be reached" in page.content.decode()
    rows = {"cue-start": ["00:00:00.000"], "cue-end": ["00:00:01.000"], "cue-text": ["Hello."]}
    saved = client.post(f"/videos/{ready.pk}/", rows)  # saving captions: the store, not the rows, is at fault
    assert saved.status_code == 503 and saved["Retry-After"] == "60"

    assert video_process(job_id=video.job.pk) == JobState.RETRYING
    job = VideoJob.objects.get(pk=video.job.pk)
    assert job.state == JobState.RETRYING and job.attempts == 0, "a store outage does not use up an attempt"
    assert "object store unavailable" in job.last_error
    assert Video.objects.get(pk=video.pk).status == VideoStatus.QUEUED
    assert local_files_of(video.pk) == [], "the attempt's scratch folder is emptied"

    settings.STORAGES = up  # the store is back: the same job finishes
    assert video_process(job_id=video.job.pk) == JobState.SUCCEEDED
    assert Video.objects.get(pk=video.pk).status == VideoStatus.READY


def down_storages(s3: S3, up: dict[str, Any]) -> dict[str, Any]:
    closed = S3Config(
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        region="us-east-1",
        access_key_id="cryoview-test-key",
        secret_access_key="cryoview-test-secret",
        private_bucket=s3.private_bucket,
        public_bucket=s3.public_bucket,
        public_url="",
        url_seconds=300,
    )
    return {**s3_storages(closed), "staticfiles": up["staticfiles"]}


def test_the_sweeper_deletes_old_stray_objects_and_keeps_a_running_attempt(s3: S3, member, clip):
    video = stored_video(member, clip)  # its job is queued: an attempt's objects under out/ are its own
    partial = f"videos/{video.pk}/out/attempt-1/360.mp4"
    s3.client.put_object(Bucket=s3.private_bucket, Key=partial, Body=b"half")
    gone = f"videos/{uuid.uuid4()}"
    s3.client.put_object(Bucket=s3.private_bucket, Key=f"{gone}/out/attempt-1/360.mp4", Body=b"x")
    s3.client.put_object(Bucket=s3.private_bucket, Key=f"videos/{video.pk}/unknown.bin", Body=b"y")
    s3.client.put_object(Bucket=s3.public_bucket, Key=f"videos/{video.pk}/360.mp4", Body=b"not published")
    strays = {(s.store, s.name): s.bytes for s in stray_files()}
    assert strays == {
        ("private", gone): 1,
        ("private", f"videos/{video.pk}/unknown.bin"): 1,
        ("public", f"videos/{video.pk}"): 13,
    }
    # What a process killed two hours ago left in scratch for a video that never came back.
    leftover = storage.scratch_dir(uuid.uuid4(), 1) / "original"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"o")
    two_hours_ago = (timezone.now() - timedelta(hours=2)).timestamp()
    for path in (leftover, leftover.parent, leftover.parent.parent):
        os.utime(path, (two_hours_ago, two_hours_ago))
    assert orphans_sweep(grace=timedelta(hours=1)) == 1  # only the scratch leftover: the objects are new
    assert not leftover.parent.parent.exists()
    assert orphans_sweep(grace=timedelta(0)) == 3
    assert s3.all_keys() == {"private": sorted([video.original_path, partial]), "public": []}


def test_a_finished_upload_becomes_a_video_through_a_scratch_copy(s3: S3, member, clip, monkeypatch):
    """A tus upload on object storage (multipart parts, then one object) becomes a video: ffprobe reads a scratch
    copy that is deleted afterwards, the object is moved to the original's name, nothing touches the local disk."""
    import io

    from cryoview.videos import services, upload_store
    from cryoview.videos.uploads import upload_append, upload_create

    data = clip.read_bytes()
    upload = upload_create(user=member, length=len(data), metadata="")
    upload_append(upload=upload, offset=0, stream=io.BytesIO(data), content_length=len(data))
    assert s3.keys(s3.private_bucket) == [f"uploads/{upload.pk}.part"]
    scratch_copies: list[Path] = []
    real_to_file = upload_store.S3Store.to_file

    def to_file(self: Any, upload: Any, path: Path) -> None:
        scratch_copies.append(path)
        real_to_file(self, upload, path)

    monkeypatch.setattr(upload_store.S3Store, "to_file", to_file)
    video, created = services.video_create_from_upload(user=member, upload_id=upload.pk)
    assert created and video.original_path == f"videos/{video.pk}/original"
    assert s3.keys(s3.private_bucket) == [video.original_path]
    assert s3.client.get_object(Bucket=s3.private_bucket, Key=video.original_path)["Body"].read() == data
    assert len(scratch_copies) == 1 and str(scratch_copies[0]).startswith(str(settings.SCRATCH_DIR))
    assert not scratch_copies[0].exists() and not scratch_copies[0].parent.exists()
    assert video.width == 320 and video.height == 240
    assert local_files_of(video.pk) == []


@pytest.mark.slow
def test_a_real_worker_killed_mid_transcode_on_object_storage_leaves_one_set(s3: S3, member, tmp_path, worker_factory):
    from cryoview.videos.services import job_enqueue
    from cryoview.videos.tests.conftest import wait_for
    from cryoview.videos.tests.test_pipeline import ffmpeg_children, long_clip

    video = stored_video(member, long_clip(tmp_path))
    job_enqueue(job=video.job)
    variables = {**s3.environ(), "CRYOVIEW_JOB_STALE_SECONDS": "10", "CRYOVIEW_CAPTIONS": "false"}
    first = worker_factory(**variables)
    wait_for(
        lambda: Video.objects.filter(pk=video.pk, stage="transcode", progress__gt=0.1).exists(),
        timeout=90,
        what="the transcode to start",
    )
    first.kill()
    wait_for(lambda: not ffmpeg_children(video.pk), timeout=10, what="the killed worker's ffmpeg to die")
    assert any(Path(settings.SCRATCH_DIR).rglob("original")), "SIGKILL leaves its scratch folder behind"
    worker_factory(**variables)
    wait_for(
        lambda: Video.objects.filter(pk=video.pk, status=VideoStatus.READY).exists(),
        timeout=180,
        what="the job to finish on the new worker",
    )
    job = VideoJob.objects.get(video=video)
    assert job.state == JobState.SUCCEEDED and job.attempts == 2
    out = f"videos/{video.pk}/out/attempt-2"
    names = ["360.mp4", "720.mp4", "manifest.json", "poster.jpg"]
    expected = {"private": [f"{out}/{n}" for n in names], "public": []}
    # The original goes just after the database flips (on commit): wait for the worker to get there.
    wait_for(lambda: s3.all_keys() == expected, timeout=30, what=f"only the second set to be left: {expected}")
    assert local_files_of(video.pk) == []


def test_an_upload_in_progress_on_object_storage_is_neither_stray_nor_missing(s3: S3, member):
    """Its bytes are parts of a multipart upload plus a tail object (a PATCH that ended short of a part):
    the audit must count both as the upload's, and only a finished upload must have its object."""
    import io

    from cryoview.videos.housekeeping import missing_files
    from cryoview.videos.uploads import upload_append, upload_create

    upload = upload_create(user=member, length=10 * 1024 * 1024, metadata="")
    upload_append(upload=upload, offset=0, stream=io.BytesIO(b"x" * 1000), content_length=1000)
    assert s3.keys(s3.private_bucket) == [f"uploads/{upload.pk}.tail"]
    assert stray_files() == [] and missing_files() == []
    call_command("media_audit")  # exits non-zero (CommandError) when it finds anything
    tail = f"uploads/{upload.pk}.tail"
    upload.delete()  # the row goes without the store being told: now the tail is a stray
    assert [(s.store, s.name) for s in stray_files()] == [("private", tail)]
