from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection, transaction
from pytest_django import DjangoDbBlocker

from cryoview.videos import storage
from cryoview.videos.tests.clips import make_speaking_video, make_video

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def clean_private_store() -> Iterator[None]:
    """Each pipeline test starts and ends with an empty private store (used by the modules that write there)."""
    storage.remove_tree(storage.private_root())
    yield
    storage.remove_tree(storage.private_root())


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return make_video(tmp_path / "clip.mp4", width=320, height=240, seconds=2.0)


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("speech") / "speech.wav"
    subprocess.run(
        [
            "espeak-ng",
            "-w",
            str(path),
            "Facial cryomassage with liquid nitrogen takes five to seven minutes. Close your eyes and cover your lips.",
        ],
        check=True,
        timeout=60,
    )
    return path


class ProcessedMedia:
    """What the real pipeline made of one clip (renditions, poster, captions, transcript, manifest), made
    once per test session. Each test gets its own video: the clip uploaded and checked as usual, a copy of
    the outputs in the video's folder, and the real job run, which finds them, skips transcoding (a re-run
    does only what is missing) and records the rows exactly as after a transcode."""

    def __init__(self, clip: Path, outputs: Path) -> None:
        self.clip = clip
        self.outputs = outputs

    def video_for(self, owner: object) -> object:
        from cryoview.videos.enums import JobState
        from cryoview.videos.models import Video
        from cryoview.videos.pipeline import video_process
        from cryoview.videos.tests.test_pipeline import new_video

        video = new_video(owner, self.clip)
        shutil.copytree(self.outputs, storage.out_dir(video.pk))
        assert video_process(job_id=video.job.pk) == JobState.SUCCEEDED
        return Video.objects.get(pk=video.pk)


def _process_once(clip: Path, keep: Path, django_db_blocker: DjangoDbBlocker) -> ProcessedMedia:
    """Run the whole pipeline on `clip` in a transaction that is rolled back, keeping only the files."""
    from cryoview.accounts.models import User
    from cryoview.videos.enums import JobState
    from cryoview.videos.pipeline import video_process
    from cryoview.videos.tests.test_pipeline import new_video

    with django_db_blocker.unblock(), transaction.atomic():
        owner = User.objects.create_user(email=f"media-{keep.name}@example.org")
        video = new_video(owner, clip)
        try:
            assert video_process(job_id=video.job.pk) == JobState.SUCCEEDED
            shutil.copytree(storage.out_dir(video.pk), keep)
        finally:
            storage.remove_tree(storage.video_dir(video.pk))
            transaction.set_rollback(True)
    assert (keep / storage.MANIFEST).exists()
    return ProcessedMedia(clip, keep)


@pytest.fixture(scope="session")
def speaking_media(
    django_db_setup: None,
    django_db_blocker: DjangoDbBlocker,
    tmp_path_factory: pytest.TempPathFactory,
    speech_wav: Path,
) -> ProcessedMedia:
    """A 3 s 1280x720 clip with speech through the real pipeline: 720p and 360p, poster, English captions."""
    folder = tmp_path_factory.mktemp("speaking-media")
    clip = make_speaking_video(folder / "talk.mp4", speech_wav, width=1280, height=720, seconds=3)
    return _process_once(clip, folder / "outputs", django_db_blocker)


@pytest.fixture(scope="session")
def small_media(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker, tmp_path_factory: pytest.TempPathFactory
) -> ProcessedMedia:
    """The `clip` fixture's kind of clip (2 s 320x240) through the real pipeline."""
    folder = tmp_path_factory.mktemp("small-media")
    clip = make_video(folder / "clip.mp4", width=320, height=240, seconds=2.0)
    return _process_once(clip, folder / "outputs", django_db_blocker)


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(s['NAME']).resolve()}"
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


class WorkerProcess:
    """A real `manage.py run_worker` on the test database."""

    def __init__(self, **variables: str) -> None:
        # The test run's own folders (CRYOVIEW_DATA_DIR and the media roots) are the worker's too; nothing else.
        keep = ("CRYOVIEW_DATA_DIR", "CRYOVIEW_MEDIA_ROOT", "CRYOVIEW_PRIVATE_MEDIA_ROOT")
        env = {k: v for k, v in os.environ.items() if not k.startswith("CRYOVIEW_") or k in keep}
        env.update(
            CRYOVIEW_ENVIRONMENT="test",
            DJANGO_SETTINGS_MODULE="config.settings.test",
            CRYOVIEW_TEST_DATABASE_URL=database_url(),
            CRYOVIEW_WORKER_HEARTBEAT_SECONDS="1",
            **variables,
        )
        from django.conf import settings

        # Next to the private media folder (the private store may be a bucket).
        self.log = Path(settings.PRIVATE_MEDIA_ROOT).parent / f"worker-{time.monotonic_ns()}.log"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--interval", "0.2"],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def worker_factory() -> Iterator[type[WorkerProcess]]:
    started: list[WorkerProcess] = []

    class Tracked(WorkerProcess):
        def __init__(self, **variables: str) -> None:
            super().__init__(**variables)
            started.append(self)

    yield Tracked
    for worker in started:
        worker.stop()


def wait_for(condition, *, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
