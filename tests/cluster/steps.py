"""Steps 1-3 of the drill: a node lost mid-upload, a worker lost mid-transcode, playback through nginx."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tests.cluster import web
from tests.cluster.cluster import wait_until
from tests.cluster.drill import PROCEDURE, Outcome, StepFailed, check
from tests.cluster.processes import children_of, command_line

if TYPE_CHECKING:
    from tests.cluster.drill import Drill

CHUNK = 3 * 1024 * 1024
# The names a processed video's folder may hold: the media view's allowed names and the manifest, under one
# attempt's prefix on object storage. Anything else (an attempt's leftovers, the original, which is deleted
# after processing unless CRYOVIEW_KEEP_ORIGINALS) is a stray object.
ARTEFACT = re.compile(
    r"(out/(attempt-[0-9]+/)?)?([0-9]{1,5}\.mp4|poster\.jpg|transcript\.json|captions\.[A-Za-z0-9-]+\.vtt|manifest\.json)"
)


def tus_client(drill: Drill, base: str, **headers: str):
    import urllib3
    from tusclient.client import TusClient

    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    return TusClient(
        f"{base}/api/v1/uploads/", headers={"Authorization": f"Bearer {drill.tokens['uploader']}", **headers}
    )


def uploader(client, clip: Path, **options):
    return client.uploader(
        file_path=str(clip), chunk_size=CHUNK, metadata={"filename": clip.name}, verify_tls_cert=False, **options
    )


def upload_through_nginx(drill: Drill, clip: Path) -> str:
    """A whole upload with tuspy through nginx (no fault): its tus URL."""
    sender = uploader(tus_client(drill, drill.cluster.base), clip, retries=3, retry_delay=1)
    sender.upload()
    check(sender.offset == clip.stat().st_size, f"tus upload stopped at {sender.offset}")
    return str(sender.url)


# --- step 1 ------------------------------------------------------------------------------------------------
def upload(drill: Drill, outcome: Outcome) -> None:
    cluster, clip = drill.cluster, drill.clip
    assert clip is not None
    size = clip.stat().st_size
    # Straight to node A, as nginx would send it (the headers nginx sets), so that A alone holds the start.
    as_nginx = {"Host": f"127.0.0.1:{cluster.https_port}", "X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}
    client_a = tus_client(drill, cluster.node_url("web-a"), **as_nginx)
    first = uploader(client_a, clip)
    public_url = first.create_url()
    check(public_url.startswith(cluster.base), f"tus Location is not the public address: {public_url}")
    first.set_url(cluster.node_url("web-a") + urlsplit(public_url).path)
    half = (size // 2 // CHUNK) * CHUNK or CHUNK
    first.upload(stop_at=half)
    drill.note(outcome, f"{first.offset} of {size} bytes sent to node A in {half // CHUNK} PATCHes")

    # The next PATCH is cut halfway through its body: node A is SIGKILLed while it reads it.
    sent = _patch_killed_midway(drill, first.url, offset=first.offset, clip=clip)
    drill.note(outcome, f"node A SIGKILLed after {sent} bytes of the next PATCH; that PATCH got no answer")
    try:
        check(not cluster.services["web-a"].alive(), "node A is still running")
        _resume_on_b(drill, outcome, public_url, clip, acknowledged=half)
    finally:
        cluster.start_web("web-a")  # step 4 waits for it; meanwhile nginx sends everything to node B
        drill.note(outcome, "node A starting again")


def _resume_on_b(drill: Drill, outcome: Outcome, public_url: str, clip: Path, *, acknowledged: int) -> None:
    began = time.monotonic()
    refusals = resume(drill, public_url, clip, acknowledged=acknowledged)
    if refusals:
        drill.note(outcome, f"while resuming, waited with the upload page's delays through: {', '.join(refusals)}")
    head = web.request(
        "HEAD", public_url, headers={"Tus-Resumable": "1.0.0", "Authorization": f"Bearer {drill.tokens['uploader']}"}
    )
    size = clip.stat().st_size
    check(head.headers.get("upload-offset") == str(size), f"HEAD after the upload: {head.status} {head.headers}")
    answered = _upstreams(drill, public_url)
    drill.note(outcome, f"finished {time.monotonic() - began:.1f} s after the kill; nodes that answered: {answered}")
    check(answered == {_address(drill, "web-b")}, f"the resumed requests were not all answered by node B: {answered}")
    drill.video_id = drill.create_video(public_url)
    drill.note(outcome, f"POST /api/v1/videos accepted the file: video {drill.video_id}")


# What the upload page's tus-js-client waits between tries (cryoview/static/js/upload-page.js); like it, a
# resumed upload tries again after a 423 (another request still holds the upload), a 409 or a 5xx.
RETRY_DELAYS = (0, 1, 3, 5, 10, 20, 30)
RETRIED_STATUSES = (None, 409, 423, 500, 502, 503, 504)


def resume(drill: Drill, url: str, clip: Path, *, acknowledged: int) -> list[str]:
    """Resume an upload through nginx as a browser would, from the offset the server gives (HEAD); the refusals
    it met on the way."""
    from tusclient.exceptions import TusCommunicationError

    refusals: list[str] = []
    began = time.monotonic()
    for delay in RETRY_DELAYS:
        time.sleep(delay)
        try:
            sender = uploader(tus_client(drill, drill.cluster.base), clip, url=url)
            check(sender.offset >= acknowledged, f"acknowledged bytes lost: offset {sender.offset} < {acknowledged}")
            sender.upload()
            return refusals
        except TusCommunicationError as error:
            refusals.append(f"{error.status_code or 'no answer'} after {time.monotonic() - began:.0f} s")
            if error.status_code not in RETRIED_STATUSES:
                raise
    raise StepFailed(f"the upload could not be resumed: {refusals}")


def _patch_killed_midway(drill: Drill, url: str, *, offset: int, clip: Path) -> int:
    with clip.open("rb") as file:
        file.seek(offset)
        body = file.read(CHUNK)
    connection = web.connection(url)
    connection.putrequest("PATCH", urlsplit(url).path, skip_host=True)
    headers = {
        "Host": f"127.0.0.1:{drill.cluster.https_port}",
        "X-Forwarded-Proto": "https",
        "Tus-Resumable": "1.0.0",
        "Upload-Offset": str(offset),
        "Content-Type": "application/offset+octet-stream",
        "Content-Length": str(len(body)),
        "Authorization": f"Bearer {drill.tokens['uploader']}",
    }
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.endheaders()
    half = len(body) // 2
    connection.send(body[:half])
    # Node A dies while it holds the upload's lease and reads the body: the hard case (any node must wait for the
    # dead node's lease to lapse), not a kill before the request reached the view.
    upload_id = urlsplit(url).path.rstrip("/").rsplit("/", 1)[1]
    wait_until(lambda: _lease_held(drill, upload_id), timeout=20, what="node A to take the upload's lease")
    drill.cluster.services["web-a"].kill()
    try:
        connection.send(body[half:])
        connection.getresponse()
    except OSError:
        pass
    finally:
        connection.close()
    return half


def _lease_held(drill: Drill, upload_id: str) -> bool:
    import psycopg

    with psycopg.connect(drill.cluster.database_url) as connection:
        row = connection.execute("SELECT lease_token FROM videos_upload WHERE id = %s", [upload_id]).fetchone()
    return bool(row and row[0])


def _address(drill: Drill, node: str) -> str:
    return urlsplit(drill.cluster.node_url(node)).netloc


def _upstreams(drill: Drill, url: str) -> set[str]:
    """The web nodes that answered this upload's requests through nginx (the last address in $upstream_addr:
    one before it refused the connection and nginx went on to the next)."""
    log = drill.cluster.folder / "nginx" / "access.log"
    path = urlsplit(url).path
    found: set[str] = set()
    for line in log.read_text().splitlines():
        match = re.search(r'"[A-Z]+ (\S+) [^"]*" \d+ upstream="([^"]*)"', line)
        if match and match.group(1) == path and match.group(2) not in ("", "-"):
            found.add(re.split(r", | : ", match.group(2))[-1])
    return found


# --- step 2 ------------------------------------------------------------------------------------------------
def transcode(drill: Drill, outcome: Outcome) -> None:
    cluster = drill.cluster
    if drill.video_id is None:
        assert drill.clip is not None
        drill.video_id = drill.create_video(upload_through_nginx(drill, drill.clip))
        drill.note(outcome, f"step 1 made no video; uploaded one through nginx: {drill.video_id}")
    video_id = drill.video_id

    def transcoding_worker() -> str | None:
        for name in ("worker-1", "worker-2"):
            if cluster.services[name].alive() and any(
                Path(command_line(pid)[0]).name == "ffmpeg" for pid in children_of(cluster.services[name].pid)
            ):
                return name
        return None

    victim = wait_until(transcoding_worker, timeout=60, what="a worker to start ffmpeg", interval=0.1)
    # Well into the transcode: the job has reported progress (or ffmpeg has run for a while).
    deadline = time.monotonic() + 10
    while (state := drill.video(video_id))["progress"] < 0.1 and time.monotonic() < deadline:
        time.sleep(0.2)
    check(transcoding_worker() == victim, "ffmpeg finished before the worker could be killed (clip too short?)")
    cluster.services[victim].kill()
    try:
        drill.note(
            outcome, f"{victim} SIGKILLed with its ffmpeg at stage {state['stage']}, progress {state['progress']}"
        )
        began = time.monotonic()
        ready = drill.wait_ready(video_id, timeout=150)
        drill.note(
            outcome,
            f"the other worker finished it {time.monotonic() - began:.1f} s later: "
            f"{[r['height'] for r in ready['renditions']]}p, {ready['duration']} s",
        )
        survivor = "worker-2" if victim == "worker-1" else "worker-1"
        check(cluster.services[survivor].alive(), f"{survivor} died too")
        check_one_set(drill, outcome, video_id, ready)
    finally:
        cluster.start_worker(victim)
        drill.note(outcome, f"{victim} restarted")


def check_one_set(drill: Drill, outcome: Outcome, video_id: str, ready: dict[str, Any]) -> None:
    """The video's objects are one attempt's outputs, each once, with every rendition the API lists."""
    # The original is deleted right after the commit that makes the video ready: the API can say "ready" a
    # moment before that delete has reached the bucket. Give it a few seconds; a leftover stays a failure.
    deadline = time.monotonic() + 10
    keys = media_keys(drill, video_id)
    while "original" in keys and time.monotonic() < deadline:
        time.sleep(0.2)
        keys = media_keys(drill, video_id)
    drill.note(outcome, f"objects of the video: {keys}")
    strays = [key for key in keys if not ARTEFACT.fullmatch(key)]
    check(not strays, f"objects no finished video should have (an attempt's leftovers?): {strays}")
    attempts = {match.group(2) for key in keys if (match := ARTEFACT.fullmatch(key))}
    check(len(attempts) == 1, f"more than one set of outputs (one per attempt prefix): {sorted(map(str, attempts))}")
    names = [key.rsplit("/", 1)[-1] for key in keys]
    check(len(names) == len(set(names)), f"an artefact stored twice: {keys}")
    expected = {urlsplit(r["url"]).path.rsplit("/", 1)[-1] for r in ready["renditions"]}
    check(expected <= set(names), f"renditions {sorted(expected)} missing from the objects {keys}")


def media_keys(drill: Drill, video_id: str) -> list[str]:
    """Every stored object (or file) of one video, relative to its folder, across both stores."""
    cluster = drill.cluster
    prefix = f"videos/{video_id}/"
    if cluster.object_storage:
        client = cluster.s3_client()
        keys: list[str] = []
        for bucket in cluster.buckets:
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                keys.extend(item["Key"][len(prefix) :] for item in page.get("Contents", []))
        return sorted(keys)
    roots = [cluster.folder / "shared-media" / "private", cluster.folder / "shared-media" / "public"]
    return sorted(
        str(p.relative_to(root / prefix)) for root in roots for p in (root / prefix).rglob("*") if p.is_file()
    )


# --- step 3 ------------------------------------------------------------------------------------------------
def publish(drill: Drill, outcome: Outcome) -> int:
    if drill.video_id is None:
        raise StepFailed("no video to publish: steps 1 and 2 made none")
    drill.wait_ready(drill.video_id, timeout=150)
    review = drill.api(
        "POST",
        "/api/v1/reviews",
        who="uploader",
        payload={
            "procedure": PROCEDURE,
            "rating": 4,
            "worth_it": "worth_it",
            "title": "Cold, quick and calming",
            "text": "Five minutes of liquid nitrogen on the face; my skin was pink for an hour.",
            "video_id": drill.video_id,
            "consent": True,
        },
    )
    check(review.status == 201, f"POST /api/v1/reviews: {review.brief()}")
    review_id = int(review.json()["id"])
    decision = drill.api(
        "POST", f"/api/v1/moderation/reviews/{review_id}/decision", who="moderator", payload={"decision": "approve"}
    )
    check(decision.status == 200, f"the moderator's approval: {decision.brief()}")
    drill.note(outcome, f"review {review_id} with the video published by the moderator")
    return review_id


def play(drill: Drill, outcome: Outcome) -> None:
    from tests.browser import ARGS, CHROMIUM

    drill.review_id = publish(drill, outcome)
    from playwright.sync_api import sync_playwright

    media: list[tuple[int, str, str]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_context(ignore_https_errors=True).new_page()
            page.on(
                "response",
                lambda r: (
                    media.append((r.status, r.request.method, r.url)) if r.request.resource_type == "media" else None
                ),
            )
            page.goto(f"{drill.cluster.base}/reviews/{drill.review_id}/")
            page.wait_for_selector("video#player", state="attached", timeout=20_000)
            page.evaluate(
                "() => { const v = document.querySelector('video#player'); v.muted = true; return v.play(); }"
            )
            wait_until(
                lambda: page.evaluate("document.querySelector('video#player').currentTime") > 0.5,
                timeout=30,
                what="the video to play",
            )
            duration = page.evaluate("document.querySelector('video#player').duration")
            page.evaluate(f"document.querySelector('video#player').currentTime = {duration * 0.75}")
            wait_until(
                lambda: page.evaluate(
                    "(() => { const v = document.querySelector('video#player');"
                    " return !v.seeking && v.readyState >= 3; })()"
                ),
                timeout=30,
                what="the seek to land",
            )
            position = page.evaluate("document.querySelector('video#player').currentTime")
            error = page.evaluate(
                "document.querySelector('video#player').error && document.querySelector('video#player').error.message"
            )
        finally:
            browser.close()
    drill.note(
        outcome,
        f"played {duration:.1f} s video, seeked to {position:.1f} s; media answers: "
        + ", ".join(f"{s} {urlsplit(u).netloc}{urlsplit(u).path}" for s, _, u in media[:6]),
    )
    check(error is None, f"the player reports an error: {error}")
    check(any(status == 206 for status, _, _ in media), f"no 206 among the media answers: {media}")
    check(position >= duration * 0.7, f"the seek did not land: at {position} of {duration}")
    check(all(status < 400 for status, _, _ in media), f"a media request failed: {media}")
