"""Steps 4 and 5 of the drill: the cache and the object store go away for 30 s and come back."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tests.cluster import web
from tests.cluster.cluster import wait_until
from tests.cluster.drill import PROCEDURE, Outcome, StepFailed, check
from tests.cluster.steps import CHUNK, publish, resume, tus_client, upload_through_nginx, uploader

if TYPE_CHECKING:
    from tests.cluster.drill import Drill

OUTAGE_SECONDS = 30
FRESH_WITHIN_SECONDS = 10
VISITOR_PATHS = (
    "/",
    f"/procedures/{PROCEDURE}/",
    f"/procedures/{PROCEDURE}/reviews/",
    f"/api/v1/procedures/{PROCEDURE}/reviews",
    f"/api/v1/procedures/{PROCEDURE}/stats",
)
MEMBER_PATHS = (f"/procedures/{PROCEDURE}/", f"/procedures/{PROCEDURE}/reviews/", "/account/")


@dataclass
class Load:
    """A bounded loopback load: a few visitors and signed-in members, each one request at a time at a fixed
    pace over a kept-alive connection; every answer's status is counted per phase (before, during, after)."""

    base: str
    sessions: list[str]
    visitors: int = 3
    per_second: float = 4.0  # per simulated person
    phase: str = "before"
    counts: dict[str, Counter[int]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        people = [(None, VISITOR_PATHS)] * self.visitors + [(s, MEMBER_PATHS) for s in self.sessions]
        for number, (session, paths) in enumerate(people):
            thread = threading.Thread(target=self._person, args=(number, session, paths), daemon=True)
            thread.start()
            self.threads.append(thread)

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def _person(self, number: int, session: str | None, paths: tuple[str, ...]) -> None:
        headers = {"Cookie": f"sessionid={session}"} if session else {}
        connection = web.connection(self.base, timeout=30)
        turn = number
        while not self.stopping.is_set():
            began = time.monotonic()
            path = paths[turn % len(paths)]
            turn += 1
            phase = self.phase
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
                if response.getheader("connection", "").lower() == "close":
                    connection.close()
            except OSError as error:
                status = 0
                connection.close()
                connection = web.connection(self.base, timeout=30)
                self._fail(f"{phase} {path}: {error!r}")
            if status >= 500:
                self._fail(f"{phase} {'member' if session else 'visitor'} {path}: {status}")
            with self.lock:
                self.counts.setdefault(phase, Counter())[status] += 1
            self.stopping.wait(max(0.0, 1 / self.per_second - (time.monotonic() - began)))
        connection.close()

    def _fail(self, text: str) -> None:
        with self.lock:
            self.failures.append(text)

    def report(self) -> str:
        return "; ".join(
            f"{phase}: " + ", ".join(f"{status or 'no answer'}x{n}" for status, n in sorted(counts.items()))
            for phase, counts in self.counts.items()
        )


# --- step 4 ------------------------------------------------------------------------------------------------
def redis_outage(drill: Drill, outcome: Outcome) -> None:
    cluster = drill.cluster
    for node in ("web-a", "web-b"):
        cluster.wait_web(node)  # the load is spread over both nodes (node A was restarted after step 1)
    title = f"A second opinion, published while the cache was away {int(time.time())}"
    written = drill.api(
        "POST",
        "/api/v1/reviews",
        who="writer",
        payload={
            "procedure": PROCEDURE,
            "rating": 5,
            "worth_it": "worth_it",
            "title": title,
            "text": "Calm clinic, clear aftercare advice.",
            "consent": True,
        },
    )
    check(written.status == 201, f"POST /api/v1/reviews (writer): {written.brief()}")
    review_id = written.json()["id"]
    reviews_page = f"{cluster.base}/procedures/{PROCEDURE}/reviews/"
    check(title not in web.request("GET", reviews_page).body.decode(), "the pending review is already listed")

    load = Load(cluster.base, drill.sessions)
    load.start()
    time.sleep(5)
    load.phase = "during"
    cluster.services["redis"].stop(grace=5)
    stopped = time.monotonic()
    drill.note(outcome, "Redis stopped")
    try:
        time.sleep(5)
        decision = drill.api(
            "POST", f"/api/v1/moderation/reviews/{review_id}/decision", who="moderator", payload={"decision": "approve"}
        )
        drill.note(outcome, f"the moderator published review {review_id} while Redis was away: {decision.status}")
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped)))
    finally:
        cluster.start_redis()  # whatever happened, the next step has its Redis
        load.phase = "after"
    returned = time.monotonic()
    drill.note(outcome, f"Redis back after {returned - stopped:.0f} s")
    try:
        wait_until(
            lambda: title in web.request("GET", reviews_page).body.decode(),
            timeout=60,
            what="visitors to see the review published during the outage",
            interval=0.25,
        )
        fresh = time.monotonic() - returned
        drill.note(outcome, f"visitors' review list fresh {fresh:.1f} s after Redis returned")
    finally:
        time.sleep(3)
        load.stop()
    drill.note(outcome, f"answers by phase: {load.report()}")
    check(decision.status == 200, f"the moderator's decision during the outage: {decision.brief()}")
    check(not load.failures, f"{len(load.failures)} failed requests, e.g. {load.failures[:5]}")
    check(sum(load.counts.get("during", Counter()).values()) > 50, "too few requests during the outage to tell")
    check(fresh <= FRESH_WITHIN_SECONDS, f"pages were stale for {fresh:.1f} s after Redis returned")


# --- step 5 ------------------------------------------------------------------------------------------------
def object_store_outage(drill: Drill, outcome: Outcome) -> None:
    cluster = drill.cluster
    check(cluster.object_storage and cluster.gate is not None, "the cluster runs without object storage")
    assert cluster.gate is not None and drill.small_clip is not None and drill.clip is not None
    if drill.review_id is None:
        drill.review_id = publish(drill, outcome)
    media = _published_media(drill)
    finished_upload = upload_through_nginx(drill, drill.small_clip)
    client = tus_client(drill, cluster.base)
    interrupted = uploader(client, drill.clip, retries=0)
    interrupted.upload(stop_at=CHUNK)
    drill.note(outcome, f"before: one upload finished, one at {interrupted.offset} bytes; media {media}")

    cluster.gate.close()
    closed = time.monotonic()
    drill.note(outcome, "S3 endpoint closed")
    try:
        answers = {
            "PATCH (the interrupted upload)": _patch(drill, interrupted.url, interrupted.offset),
            "POST /api/v1/uploads/": web.request(
                "POST",
                f"{cluster.base}/api/v1/uploads/",
                headers={
                    "Tus-Resumable": "1.0.0",
                    "Upload-Length": "1000",
                    "Authorization": f"Bearer {drill.tokens['uploader']}",
                },
            ),
            "POST /api/v1/videos (the finished upload)": drill.api(
                "POST", "/api/v1/videos", who="uploader", payload={"upload_id": finished_upload.rsplit("/", 1)[1]}
            ),
            "GET the published video": web.follow(media, headers={"Range": "bytes=0-1023"})[-1],
        }
        for what, answer in answers.items():
            drill.note(outcome, f"during, {what}: {answer.brief()}")
        pages = [
            web.request("GET", cluster.base + path)
            for path in (f"/procedures/{PROCEDURE}/", f"/reviews/{drill.review_id}/")
        ]
        drill.note(outcome, f"during, the guide and review pages: {[p.status for p in pages]}")
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - closed)))
    finally:
        cluster.gate.open()  # whatever happened, the store comes back
    drill.note(outcome, f"S3 endpoint open again after {time.monotonic() - closed:.0f} s")

    for what, answer in answers.items():
        if answer.status >= 500:
            check(answer.status == 503 and answer.headers.get("retry-after"), f"{what}: {answer.brief()}")
    unavailable = [what for what, answer in answers.items() if answer.status == 503]
    check("PATCH (the interrupted upload)" in unavailable, "the PATCH during the outage was not answered 503")
    check("GET the published video" in unavailable, "the video during the outage was not answered 503")
    check(all(page.status < 500 for page in pages), f"pages failed during the outage: {[p.brief() for p in pages]}")

    began = time.monotonic()
    refusals = resume(drill, interrupted.url, drill.clip, acknowledged=CHUNK)
    if refusals:
        drill.note(outcome, f"resuming the interrupted upload met: {', '.join(refusals)}")
    second = drill.create_video(finished_upload)
    ready = drill.wait_ready(second, timeout=90)
    drill.note(
        outcome,
        f"after: the interrupted upload finished from {CHUNK} bytes; the upload made during the "
        f"outage became video {second}, ready {time.monotonic() - began:.1f} s after ({ready['duration']} s)",
    )
    after = web.follow(media, headers={"Range": "bytes=0-1023"})[-1]
    drill.note(outcome, f"after, the published video: {after.status}")
    check(after.status in (200, 206), f"the published video after the outage: {after.brief()}")


def _published_media(drill: Drill) -> str:
    if drill.video_id is None:
        raise StepFailed("no published video: steps 1 to 3 made none")
    state = drill.video(drill.video_id, who="uploader")
    url = str(state["renditions"][0]["url"])
    return url if url.startswith(("http://", "https://")) else drill.cluster.base + url


def _patch(drill: Drill, url: str, offset: int) -> web.Answer:
    assert drill.clip is not None
    with drill.clip.open("rb") as file:
        file.seek(offset)
        body = file.read(CHUNK)
    return web.request(
        "PATCH",
        url,
        body=body,
        headers={
            "Tus-Resumable": "1.0.0",
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
            "Authorization": f"Bearer {drill.tokens['uploader']}",
        },
    )
