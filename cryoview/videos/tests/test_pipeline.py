"""The pipeline on real clips: outputs, metadata stripping, idempotency, deletion, retries, a killed worker."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from cryoview.videos import storage
from cryoview.videos.enums import JobState, VideoStatus
from cryoview.videos.ffmpeg import MediaToolError
from cryoview.videos.models import Rendition, Video, VideoJob
from cryoview.videos.pipeline import video_process
from cryoview.videos.services import video_create_from_upload, video_delete
from cryoview.videos.tests.clips import IPHONE_TAGS, all_tags, ffprobe_json, make_speaking_video, make_video
from cryoview.videos.tests.conftest import wait_for
from cryoview.videos.uploads import private_path, upload_create

# handler_name ("VideoHandler") and encoder ("Lavc… libx264") are the muxer's own generic labels, not the phone's.
PRIVATE_TAGS = ("location", "make", "model", "creation_time", "iso6709", "date", "software", "apple")

pytestmark = pytest.mark.usefixtures("clean_private_store")


def new_video(user, path: Path) -> Video:
    data = path.read_bytes()
    upload = upload_create(user=user, length=len(data), metadata="")
    private_path(upload.storage_name).write_bytes(data)
    type(upload).objects.filter(pk=upload.pk).update(offset=len(data))
    video, _ = video_create_from_upload(user=user, upload_id=upload.id)
    return video


def outputs(video: Video) -> list[str]:
    return sorted(p.name for p in storage.video_dir(video.pk).rglob("*") if p.is_file())


@pytest.fixture
def iphone_clip(tmp_path: Path, speech_wav: Path) -> Path:
    path = make_speaking_video(
        tmp_path / "IMG_0001.mov", speech_wav, width=360, height=640, seconds=3, tags=IPHONE_TAGS
    )
    assert "Apple" in json.dumps(all_tags(ffprobe_json(path)))
    return path


@pytest.mark.django_db(transaction=True)
def test_a_phone_video_comes_out_stripped_vertical_and_captioned(member, iphone_clip):
    video = new_video(member, iphone_clip)
    assert video_process(job_id=video.job.pk) == JobState.SUCCEEDED
    video.refresh_from_db()
    assert video.status == VideoStatus.READY and video.progress == 1.0
    renditions = {r.height: r for r in Rendition.objects.filter(video=video)}
    # 360x640 source: the 720 rendition would upscale, so only 360 exists, still vertical.
    assert set(renditions) == {640}
    assert (renditions[640].width, renditions[640].height) == (360, 640)
    for name in ("360.mp4", "poster.jpg"):
        info = ffprobe_json(storage.out_dir(video.pk) / name)
        tags = {k.lower(): v for k, v in all_tags(info).items()}
        leaked = [k for k in tags if any(p in k for p in PRIVATE_TAGS)]
        assert not leaked, f"{name} keeps {leaked}"
        assert "apple" not in json.dumps(info).lower() and "48.8584" not in json.dumps(info)
    vtt = (storage.out_dir(video.pk) / "captions.en.vtt").read_text()
    assert vtt.startswith("WEBVTT") and "nitrogen" in vtt.lower()
    assert video.captions.get().automatic is True
    assert any("nitrogen" in s["text"].lower() for s in video.transcript.segments)
    assert not storage.original_path(video.pk).exists(), "the original is deleted after success"


@pytest.mark.django_db(transaction=True)
def test_landscape_gets_both_renditions_without_upscaling(member, tmp_path):
    video = new_video(member, make_video(tmp_path / "wide.mp4", width=1280, height=720, seconds=2))
    video_process(job_id=video.job.pk)
    sizes = sorted((r.width, r.height) for r in Rendition.objects.filter(video=video))
    assert sizes == [(640, 360), (1280, 720)]


@pytest.mark.django_db(transaction=True)
def test_running_the_same_job_twice_leaves_one_set_of_outputs(member, clip):
    video = new_video(member, clip)
    video_process(job_id=video.job.pk)
    first = outputs(video)
    assert video_process(job_id=video.job.pk) == "skipped"
    # As if a worker died after writing the files: its job is still "running", its heartbeat long stopped.
    VideoJob.objects.filter(pk=video.job.pk).update(
        state=JobState.RUNNING, heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    timings: dict[str, float] = {}
    assert video_process(job_id=video.job.pk, timings=timings) == JobState.SUCCEEDED
    assert "transcode" not in timings, "a re-run only records what is already in place"
    assert outputs(video) == first
    assert Rendition.objects.filter(video=video).count() == 1


@pytest.mark.django_db(transaction=True)
def test_keep_originals_setting(member, clip, settings):
    settings.CONFIG = dataclasses.replace(settings.CONFIG, keep_originals=True, captions=False)
    video = new_video(member, clip)
    video_process(job_id=video.job.pk)
    assert storage.original_path(video.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_transient_failures_are_retried_with_backoff(member, clip, monkeypatch):
    from cryoview.videos import pipeline

    def broken(*args, **kwargs):
        raise MediaToolError("ffmpeg crashed (signal 11)")

    # The seam: a crash of the tool itself, which we cannot cause on demand with a valid file.
    monkeypatch.setattr(pipeline, "run_transcode", broken)
    video = new_video(member, clip)
    assert video_process(job_id=video.job.pk) == JobState.RETRYING
    job = VideoJob.objects.get(pk=video.job.pk)
    assert job.attempts == 1 and job.next_attempt_at is not None and "signal 11" in job.last_error
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(run_after__isnull=False).exists()
    VideoJob.objects.filter(pk=job.pk).update(attempts=job.max_attempts - 1)
    assert video_process(job_id=job.pk) == JobState.FAILED
    video.refresh_from_db()
    assert video.status == VideoStatus.FAILED and video.error_code == "processing_failed"
    # Only the final failure is told, once; the retries were not.
    assert [m.to for m in mail.outbox] == [[member.email]]


@pytest.mark.django_db(transaction=True)
def test_the_owner_is_told_by_e_mail_when_a_video_fails_and_what_to_do(member, clip):
    video = new_video(member, clip)
    storage.original_path(video.pk).write_bytes(b"#EXTM3U\nfile:///etc/passwd\n")
    assert video_process(job_id=video.job.pk) == JobState.FAILED
    video.refresh_from_db()
    (message,) = mail.outbox
    assert message.to == [member.email]
    assert message.subject == "[Cryoview] Your video could not be published"
    assert video.error_message in message.body
    assert f"/videos/{video.pk}/" in message.body and "/videos/new/" in message.body
    assert "not sent to the moderators" in message.body
    # Asking the pipeline again about a failed video sends nothing more.
    video_process(job_id=video.job.pk)
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_bad_input_found_late_is_not_retried(member, clip):
    video = new_video(member, clip)
    storage.original_path(video.pk).write_bytes(b"#EXTM3U\nfile:///etc/passwd\n")
    assert video_process(job_id=video.job.pk) == JobState.FAILED
    video.refresh_from_db()
    assert video.error_code == "not_a_video"
    assert VideoJob.objects.get(pk=video.job.pk).attempts == 1


@pytest.mark.django_db(transaction=True)
def test_deleting_a_video_removes_every_derivative(member, clip):
    video = new_video(member, clip)
    video_process(job_id=video.job.pk)
    assert outputs(video)
    video_delete(video=video)
    assert not storage.video_dir(video.pk).exists()
    assert Video.objects.count() == 0 and Rendition.objects.count() == 0


def long_clip(tmp_path: Path, seconds: int = 24) -> Path:
    return make_video(tmp_path / "long.mp4", width=1080, height=1920, seconds=seconds, fps=30)


def ffmpeg_children(video_id) -> list[int]:
    found = subprocess.run(["pgrep", "-f", str(video_id)], capture_output=True, text=True, check=False)
    return [int(pid) for pid in found.stdout.split()]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_transcode_is_replaced_and_the_job_finishes_once(member, tmp_path, worker_factory):
    video = new_video(member, long_clip(tmp_path))
    first = worker_factory(CRYOVIEW_JOB_STALE_SECONDS="10", CRYOVIEW_CAPTIONS="false")
    wait_for(
        lambda: Video.objects.filter(pk=video.pk, stage="transcode", progress__gt=0.1).exists(),
        timeout=90,
        what="the transcode to start",
    )
    first.kill()
    # Its ffmpeg dies with it (parent-death signal), so no orphan keeps writing a half-finished attempt.
    wait_for(lambda: not ffmpeg_children(video.pk), timeout=10, what="the killed worker's ffmpeg to die")
    assert VideoJob.objects.get(video=video).state == JobState.RUNNING
    worker_factory(CRYOVIEW_JOB_STALE_SECONDS="10", CRYOVIEW_CAPTIONS="false")
    wait_for(
        lambda: Video.objects.filter(pk=video.pk, status=VideoStatus.READY).exists(),
        timeout=180,
        what="the job to finish on the new worker",
    )
    job = VideoJob.objects.get(video=video)
    assert job.state == JobState.SUCCEEDED and job.attempts == 2
    assert Rendition.objects.filter(video=video).count() == 2
    assert outputs(video) == sorted(["360.mp4", "720.mp4", "poster.jpg", "manifest.json"])
    assert not (storage.video_dir(video.pk) / storage.WORK).exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_video_deleted_during_processing_leaves_no_outputs(member, tmp_path, worker_factory):
    video = new_video(member, long_clip(tmp_path, seconds=16))
    worker = worker_factory(CRYOVIEW_CAPTIONS="false")
    wait_for(
        lambda: Video.objects.filter(pk=video.pk, stage="transcode", progress__gt=0.05).exists(),
        timeout=90,
        what="the transcode to start",
    )
    video_delete(video=Video.objects.get(pk=video.pk))
    wait_for(lambda: not ffmpeg_children(video.pk), timeout=60, what="ffmpeg to stop")
    time.sleep(1)
    assert not storage.video_dir(video.pk).exists(), worker.output()
    assert Rendition.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_delivery_does_not_run_a_job_a_live_worker_holds(member, clip):
    video = new_video(member, clip)
    VideoJob.objects.filter(pk=video.job.pk).update(
        state=JobState.RUNNING, heartbeat_at=timezone.now(), worker_id="alive"
    )
    assert video_process(job_id=video.job.pk, worker_id="second") == "skipped"
    assert VideoJob.objects.get(pk=video.job.pk).worker_id == "alive"


@pytest.mark.django_db(transaction=True)
def test_a_worker_whose_job_was_swept_stops_and_leaves_the_files(member, clip):
    from cryoview.videos.pipeline import Reporter, Superseded, _claim
    from cryoview.videos.services import jobs_sweep

    video = new_video(member, clip)
    job = _claim(video.job.pk, "slow-worker")
    VideoJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert jobs_sweep() == 1
    with pytest.raises(Superseded):
        Reporter(video.pk, job.pk, "slow-worker").write(progress=0.5, force=True)
