"""The drill: a cluster (cluster.py), the people and clips it needs, and the five steps of issue 13, each timed
and reported. A step that fails is reported with what it saw; the next steps still run."""

from __future__ import annotations

import json
import subprocess
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.cluster import web
from tests.cluster.cluster import PYTHON, ROOT, Cluster, wait_until

PROCEDURE = "facial-cryomassage"


@dataclass
class Outcome:
    number: int
    title: str
    ok: bool = False
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        return f"step {self.number} {'PASS' if self.ok else 'FAIL'} ({self.seconds:.1f} s) {self.title}"


class StepFailed(AssertionError):
    pass


def check(condition: object, message: str) -> None:
    if not condition:
        raise StepFailed(message)


def make_clip(path: Path, *, seconds: int, size: str, bitrate: str) -> Path:
    """A test picture with a tone (ffmpeg -f lavfi), at a bitrate that makes it as big as a phone's clip."""
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size={size}:rate=25:duration={seconds}",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:sample_rate=48000:duration={seconds}",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-b:v",
            bitrate,
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
            "-movflags",
            "+faststart",
            str(path),
        ],
        check=True,
        timeout=180,
    )
    return path


class Drill:
    def __init__(self, *, object_storage: bool = True, say: Callable[[str], None] = print) -> None:
        self.cluster = Cluster(object_storage=object_storage)
        self.say = say
        self.outcomes: list[Outcome] = []
        self.tokens: dict[str, str] = {}
        self.sessions: list[str] = []
        self.clip: Path | None = None
        self.small_clip: Path | None = None
        self.video_id: str | None = None
        self.review_id: int | None = None
        self.started = time.monotonic()

    # --- running -------------------------------------------------------------------------------------------
    def run(self) -> list[Outcome]:
        from tests.cluster import faults, steps

        try:
            self.setup()
            for number, (title, step) in enumerate(
                [
                    ("an upload begun on node A, A killed mid-PATCH, resumed through nginx on node B", steps.upload),
                    ("a worker killed mid-transcode: the other finishes, one set of objects", steps.transcode),
                    ("the published video plays through nginx in Chromium, with Range requests (206)", steps.play),
                    ("Redis stopped for 30 s under load: no 5xx, pages fresh again soon after", faults.redis_outage),
                    (
                        "the S3 endpoint stopped for 30 s: 503 + Retry-After, nothing lost, processing resumes",
                        faults.object_store_outage,
                    ),
                ],
                start=1,
            ):
                self.step(number, title, step)
        finally:
            self.say(f"stopping the cluster ({time.monotonic() - self.started:.0f} s so far)")
            self.cluster.stop()
        self.say(self.summary())
        return self.outcomes

    def step(self, number: int, title: str, action: Callable[[Drill, Outcome], None]) -> None:
        outcome = Outcome(number, title)
        self.outcomes.append(outcome)
        self.say(f"step {number}: {title}")
        began = time.monotonic()
        try:
            action(self, outcome)
            outcome.ok = True
        except Exception as error:  # a failed step is reported; the drill goes on to the next one
            outcome.notes.append(f"FAILED: {error}")
            if not isinstance(error, StepFailed | TimeoutError):
                outcome.notes.append(traceback.format_exc(limit=4))
            outcome.notes.append("logs:\n" + self.cluster.logs(8))
        outcome.seconds = time.monotonic() - began
        for note in outcome.notes:
            self.say(f"    {note}")
        self.say(outcome.line())

    def summary(self) -> str:
        lines = [outcome.line() for outcome in self.outcomes]
        passed = sum(outcome.ok for outcome in self.outcomes)
        lines.append(f"{passed} of 5 steps passed in {time.monotonic() - self.started:.0f} s")
        return "\n".join(lines)

    def note(self, outcome: Outcome, text: str) -> None:
        outcome.notes.append(f"{time.monotonic() - self.started:6.1f} s  {text}")

    # --- set-up --------------------------------------------------------------------------------------------
    def setup(self) -> None:
        began = time.monotonic()
        self.say(f"starting the cluster in {self.cluster.folder}")
        clips = ThreadPoolExecutor(max_workers=1)  # ffmpeg makes the clips while the cluster starts
        big = clips.submit(
            make_clip, self.cluster.folder / "clinic-visit.mp4", seconds=8, size="1280x720", bitrate="12M"
        )
        small = clips.submit(make_clip, self.cluster.folder / "short.mp4", seconds=3, size="320x240", bitrate="400k")
        clips.shutdown(wait=False)
        self.cluster.start()
        with self.cluster.timed("people"):
            seeded = subprocess.run(
                [PYTHON, "-m", "tests.cluster.seed"],
                cwd=ROOT,
                env=self.cluster.environment("admin"),
                capture_output=True,
                text=True,
                timeout=120,
                check=True,
            )
        people = json.loads(seeded.stdout.strip().splitlines()[-1])
        self.tokens, self.sessions = people["tokens"], people["sessions"]
        self.clip, self.small_clip = big.result(timeout=300), small.result(timeout=300)
        self.say(
            f"cluster up in {time.monotonic() - began:.0f} s ("
            + ", ".join(f"{what} {seconds:.0f} s" for what, seconds in self.cluster.timings.items())
            + f"): nginx {self.cluster.base}, web nodes {self.cluster.node_url('web-a')} and "
            f"{self.cluster.node_url('web-b')}, 2 workers, PostgreSQL {self.cluster.database}, Redis "
            f":{self.cluster.redis_port}, "
            + (f"S3 {self.cluster.s3_endpoint}" if self.cluster.object_storage else "shared local media folder")
            + f"; clip {self.clip.stat().st_size / 1e6:.1f} MB"
        )

    # --- the API, as a client would use it -----------------------------------------------------------------
    def api(self, method: str, path: str, *, who: str | None = None, payload: Any = None) -> web.Answer:
        token = self.tokens[who] if who else None
        return web.request(method, self.cluster.base + path, token=token, payload=payload)

    def video(self, video_id: str, who: str = "uploader") -> dict[str, Any]:
        answer = self.api("GET", f"/api/v1/videos/{video_id}", who=who)
        check(answer.status == 200, f"GET /api/v1/videos/{video_id}: {answer.brief()}")
        return dict(answer.json())

    def create_video(self, upload_url: str) -> str:
        upload_id = upload_url.rstrip("/").rsplit("/", 1)[1]
        answer = self.api("POST", "/api/v1/videos", who="uploader", payload={"upload_id": upload_id})
        check(answer.status in (200, 201), f"POST /api/v1/videos: {answer.brief()}")
        return str(answer.json()["id"])

    def wait_ready(self, video_id: str, timeout: float) -> dict[str, Any]:
        def ready() -> dict[str, Any] | None:
            state = self.video(video_id)
            check(state["status"] != "failed", f"the video failed: {state['error']}")
            return state if state["status"] == "ready" else None

        return dict(wait_until(ready, timeout=timeout, what=f"video {video_id} to be ready", interval=0.5))
