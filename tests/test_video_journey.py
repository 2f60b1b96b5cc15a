"""Recording and publishing a video review, in Chromium, as a member on a phone would: nothing that cannot be
used is shown while the video processes, the stages read in plain words, the upload goes through the standard
tus client, the review is written while the video processes (and waits for it before a moderator sees it),
phones get the 360p rendition first, and every page changed here passes axe and holds at 390 px."""

from __future__ import annotations

import re

import pytest

from tests.test_accessibility import violations
from tests.test_browser import poll
from tests.test_review_journey import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PLAIN_STAGES = {"Waiting for its turn", "Checking your file", "Making it play on every phone", "Writing captions"}


def holds_at_phone_width(page) -> None:
    """No horizontal scroll, and every control a finger uses is at least 24x24 px (WCAG 2.2, 2.5.8)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "horizontal scroll at 390 px"
    small = page.evaluate(
        """() => Array.from(document.querySelectorAll(
            'main button, main input, main select, main summary, main textarea'))
          .filter(e => e.offsetParent !== null && e.type !== 'hidden')
          .map(e => [e.getBoundingClientRect(), e])
          .filter(([r]) => r.width < 24 || r.height < 24)
          .map(([r, e]) => `${e.tagName} ${e.name || e.id || e.textContent.trim().slice(0, 20)} ${r.width}x${r.height}`)
        """
    )
    assert small == [], f"touch targets under 24x24 px: {small}"


def member_logs_in(page, base: str, member) -> None:
    from cryoview.accounts.tests.factories import PASSWORD

    log_in(page, base, member.email, PASSWORD)


def test_upload_then_write_the_review_while_the_video_processes(
    page, live_server, guides, member, moderator, tmp_path, worker_factory, speech_wav
):
    from cryoview.accounts.tests.factories import PASSWORD
    from cryoview.videos.tests.clips import make_speaking_video

    base = live_server.url
    clip = make_speaking_video(tmp_path / "olga-at-the-clinic.mp4", speech_wav, width=360, height=640, seconds=4)
    page.set_viewport_size(PHONE)
    member_logs_in(page, base, member)
    tus_requests: list[tuple[str, dict[str, str]]] = []
    page.on(
        "request",
        lambda request: (
            tus_requests.append((request.method, request.headers)) if "/api/v1/uploads/" in request.url else None
        ),
    )
    scripts: list[str] = []
    page.on("request", lambda request: scripts.append(request.url) if request.resource_type == "script" else None)

    page.goto(f"{base}/videos/new/?procedure=facial-cryomassage")
    assert page.locator("#video-file").get_attribute("capture") is None, "phones may pick a recorded video"
    # The dead button of old: `.button { display: inline-block }` beat the hidden attribute.
    assert page.locator("#review-link").count() == 1 and not page.locator("#review-link").is_visible()
    assert violations(page) == []
    holds_at_phone_width(page)

    # No worker yet: the video waits, and the page says so in words, without a made-up time.
    page.set_input_files("#video-file", str(clip))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_selector("[data-processing]:not([hidden])", timeout=60_000)
    status = page.locator("[data-processing-text]")
    poll(page, "document.querySelector('[data-processing-text]').textContent.length > 0")
    assert "Waiting for its turn" in status.inner_text() and "estimating the time left" in status.inner_text()
    assert not page.get_by_role("link", name="Watch it").is_visible(), "nothing to watch yet"
    assert any(url.endswith("/vendor/tus-js-client-4.3.1/tus.min.js") for url in scripts)
    assert not any(url.endswith("/js/upload.js") for url in scripts)
    methods = [method for method, _ in tus_requests]
    assert methods[0] == "POST" and "PATCH" in methods, methods
    created = tus_requests[0][1]
    assert created["tus-resumable"] == "1.0.0" and created["upload-length"] == str(clip.stat().st_size)
    assert "filename " in created["upload-metadata"]
    page.screenshot(path=str(tmp_path / "upload-processing.png"), full_page=True)
    assert violations(page) == []

    # The review can be written now: the link works while the video processes.
    link = page.locator("#review-link")
    assert link.is_visible()
    link.click()
    page.wait_for_url(re.compile(r".*/reviews/new/\?video="))
    assert "(still processing)" in page.locator("#id_video option:checked").inner_text()
    assert "olga-at-the-clinic" in page.locator("#id_video option:checked").inner_text(), "the owner sees the name"
    page.get_by_label("5 of 5").check()
    page.get_by_label("Worth it", exact=True).check()
    page.get_by_label("None", exact=True).check()
    page.get_by_label("Title").fill("Glowing skin, written while the video processed")
    page.get_by_label("Your review").fill("Cold but quick. My skin looked fresher for weeks.")
    # Forgetting the consent: a whole sentence next to the box, which points at it.
    page.get_by_role("button", name="Submit for moderation").click()
    error = page.locator("#id_consent-error")
    assert error.is_visible() and re.fullmatch(r"To send your review .+\.", error.inner_text())
    assert page.locator("#id_consent").get_attribute("aria-describedby") == "id_consent-error"
    assert page.get_by_label("Title").input_value() == "Glowing skin, written while the video processed"
    assert violations(page) == []
    holds_at_phone_width(page)
    page.get_by_label("I agree that Cryoview publishes").check()
    page.get_by_role("button", name="Submit for moderation").click()
    page.wait_for_url(re.compile(r".*/reviews/\d+/$"))
    review_url = page.url
    assert page.get_by_text("Waiting for your video to finish processing").first.is_visible()
    assert violations(page) == []

    # The moderator does not see it yet: there is nothing to approve until the video is ready.
    page.context.clear_cookies()
    log_in(page, base, moderator.email, PASSWORD)
    page.goto(f"{base}/moderation/")
    assert page.locator("article.queue-item", has_text="written while the video processed").count() == 0

    # The worker starts; the member watches the stages in plain words on the video's page.
    page.context.clear_cookies()
    member_logs_in(page, base, member)
    seen: set[str] = set()

    def remember(response) -> None:
        if re.search(r"/api/v1/videos/[0-9a-f-]{36}$", response.url) and response.ok:
            seen.add(response.json()["stage_label"])

    page.on("response", remember)
    page.goto(review_url)
    worker_factory()
    page.get_by_role("link", name="Follow its progress").click()
    page.wait_for_selector("#player", timeout=180_000)  # the page reloads itself when the video is ready
    assert seen, "the page asked for the status"
    assert seen <= PLAIN_STAGES | {"Finishing", "Done"}, seen
    # The video's page is named after its review, links back to it, and shows the file name to its owner only.
    assert page.get_by_role("heading", level=1).inner_text() == "Glowing skin, written while the video processed"
    assert page.get_by_role("link", name=re.compile("Back to the review")).get_attribute("href") in review_url
    assert "olga-at-the-clinic" in page.content()

    # Now it reaches the moderator, who never sees the file's name.
    page.context.clear_cookies()
    log_in(page, base, moderator.email, PASSWORD)
    page.goto(f"{base}/moderation/")
    item = page.locator("article.queue-item", has_text="written while the video processed")
    assert item.count() == 1 and item.locator("video").count() == 1
    assert "olga-at-the-clinic" not in page.content()


def test_the_video_is_uploaded_from_inside_the_half_filled_review_form(page, live_server, guides, member, tmp_path):
    from cryoview.videos.tests.clips import make_video

    clip = make_video(tmp_path / "result.mp4", width=320, height=240, seconds=1)
    base = live_server.url
    page.set_viewport_size(PHONE)
    member_logs_in(page, base, member)
    page.goto(f"{base}/procedures/facial-cryomassage/reviews/new/")
    page.get_by_label("Title").fill("Half-written before the upload")
    page.get_by_label("Your review").fill("Started writing, then remembered the video.")
    assert page.get_by_text("Upload a new video here").is_visible()
    assert page.locator("#video-file").is_visible(), "open while the review has no video"
    assert violations(page) == []
    holds_at_phone_width(page)
    page.set_input_files("#video-file", str(clip))
    page.get_by_role("button", name="Upload", exact=True).click()
    poll(page, "document.getElementById('id_video').value !== ''", timeout=60)
    assert "(still processing)" in page.locator("#id_video option:checked").inner_text()
    assert page.get_by_label("Title").input_value() == "Half-written before the upload", "nothing typed is lost"
    page.get_by_label("4 of 5").check()
    page.get_by_label("Not sure", exact=True).check()
    page.get_by_label("None", exact=True).check()
    page.get_by_label("I agree that Cryoview publishes").check()
    page.get_by_role("button", name="Submit for moderation").click()
    page.wait_for_url(re.compile(r".*/reviews/\d+/$"))
    assert page.get_by_text("Waiting for your video to finish processing").first.is_visible()


@pytest.fixture
def two_renditions(db, member, tmp_path, speech_wav):
    from cryoview.videos.enums import JobState
    from cryoview.videos.models import Video
    from cryoview.videos.pipeline import video_process
    from cryoview.videos.tests.clips import make_speaking_video
    from cryoview.videos.tests.test_pipeline import new_video

    clip = make_speaking_video(tmp_path / "talk.mp4", speech_wav, width=720, height=1280, seconds=4)
    video = new_video(member, clip)
    assert video_process(job_id=video.job.pk) == JobState.SUCCEEDED
    video = Video.objects.get(pk=video.pk)
    assert sorted(r.quality for r in video.renditions.all()) == ["360p", "720p"]
    return video


def test_a_phone_gets_360p_first_and_the_switch_keeps_the_position(page, live_server, member, two_renditions):
    base = live_server.url
    page.set_viewport_size(PHONE)
    member_logs_in(page, base, member)
    page.goto(f"{base}/videos/{two_renditions.pk}/")
    player = page.locator("#player")
    poll(page, "document.getElementById('player').currentSrc.endsWith('/360.mp4')")
    assert player.get_attribute("data-quality") == "360p"
    assert page.get_by_role("button", name="360p (saves data)").get_attribute("aria-pressed") == "true"
    assert violations(page) == []
    holds_at_phone_width(page)

    page.evaluate("document.getElementById('player').muted = true")
    poll(page, "document.getElementById('player').readyState >= 1")
    page.evaluate("document.getElementById('player').currentTime = 2.0")
    poll(page, "Math.abs(document.getElementById('player').currentTime - 2.0) < 0.2")
    page.get_by_role("button", name="720p").click()
    poll(page, "document.getElementById('player').currentSrc.endsWith('/720.mp4')")
    poll(
        page, "document.getElementById('player').readyState >= 1 && document.getElementById('player').currentTime > 1.5"
    )

    # The caption editor: rows, not WebVTT; a row added and saved.
    page.get_by_text("Correct the captions").click()
    assert "WEBVTT" not in page.locator("[data-cue-editor]").inner_text()
    rows = page.locator("[data-cue-editor] tbody tr")
    before = rows.count()
    page.get_by_role("button", name="Add a caption").click()
    assert rows.count() == before + 1
    page.get_by_label(f"Words of caption {before + 1}").fill("Added on a phone.")
    page.get_by_label(f"Start of caption {before + 1}").fill("00:03.000")
    page.get_by_label(f"End of caption {before + 1}").fill("00:03.900")
    page.get_by_role("button", name=f"Remove caption {before}").click()  # the blank row the page offered
    assert violations(page) == []
    holds_at_phone_width(page)
    page.get_by_role("button", name="Save captions").click()
    page.wait_for_load_state()
    assert page.get_by_text("Captions saved").is_visible()
    vtt = two_renditions.captions.get()
    from cryoview.videos import storage

    assert "00:00:03.000 --> 00:00:03.900\nAdded on a phone." in storage.absolute(vtt.path).read_text()


def test_save_data_gets_360p_first_on_a_wide_screen(page, live_server, member, two_renditions):
    base = live_server.url
    member_logs_in(page, base, member)
    response = page.request.get(f"{base}/videos/{two_renditions.pk}/", headers={"Save-Data": "on"})
    assert "Save-Data" in response.headers.get("vary", "")
    page.set_extra_http_headers({"Save-Data": "on"})
    page.goto(f"{base}/videos/{two_renditions.pk}/")
    assert page.locator("#player").get_attribute("src").endswith("/360.mp4")
    page.set_extra_http_headers({})
    page.goto(f"{base}/videos/{two_renditions.pk}/")
    assert page.locator("#player").get_attribute("src").endswith("/720.mp4"), "a wide screen without Save-Data"


RESUMABLE_SCRIPT = """async ({step, csrf}) => {
  const endpoint = "/api/v1/uploads/";
  const bytes = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
  const file = new File([bytes], "resume-me.mp4", {type: "video/mp4", lastModified: 1700000000000});
  const options = {endpoint, chunkSize: 1024 * 1024, retryDelays: [0, 500], headers: {"X-CSRFToken": csrf},
                   metadata: {filename: file.name, filetype: file.type}, removeFingerprintOnSuccess: true};
  if (step === "first") {
    // Send one chunk, then stop as a dropped connection or a closed tab would.
    return await new Promise((resolve, reject) => {
      const upload = new tus.Upload(file, {...options,
        onChunkComplete: () => upload.abort(false).then(() => resolve(upload.url)),
        onError: reject});
      upload.start();
    });
  }
  // After a reload: the same file finds its earlier upload (fingerprint in localStorage) and resumes it.
  const upload = new tus.Upload(file, options);
  const previous = await upload.findPreviousUploads();
  if (!previous.length) { return "no previous upload"; }
  upload.resumeFromPreviousUpload(previous[0]);
  await new Promise((resolve, reject) => {
    upload.options.onSuccess = resolve; upload.options.onError = reject; upload.start();
  });
  const url = upload.url;
  const left = (await upload.findPreviousUploads()).length;
  await tus.Upload.terminate(url, {headers: {"X-CSRFToken": csrf}});
  return {url, left};
}"""


def test_the_standard_client_resumes_after_a_reload_and_terminates(page, live_server, member):
    """creation + Upload-Metadata, PATCH, HEAD on resume, DELETE on termination: what tus-js-client sends."""
    from cryoview.videos.models import Upload

    base = live_server.url
    member_logs_in(page, base, member)
    sent: list[tuple[str, str]] = []
    page.on(
        "request",
        lambda r: sent.append((r.method, r.headers.get("upload-offset", ""))) if "/api/v1/uploads/" in r.url else None,
    )
    page.goto(f"{base}/videos/new/")
    csrf = page.locator("[data-uploader]").get_attribute("data-csrf")
    url = page.evaluate(RESUMABLE_SCRIPT, {"step": "first", "csrf": csrf})
    upload = Upload.objects.get(pk=url.rsplit("/", 1)[-1])
    assert (upload.offset, upload.length, upload.filename, upload.filetype) == (
        1024 * 1024,
        3 * 1024 * 1024,
        "resume-me.mp4",
        "video/mp4",
    )

    page.reload()
    result = page.evaluate(RESUMABLE_SCRIPT, {"step": "again", "csrf": csrf})
    assert result["url"] == url and result["left"] == 0, result
    methods = [method for method, _ in sent]
    assert methods.count("POST") == 1, "the second session resumed rather than starting again"
    assert "HEAD" in methods and ("PATCH", str(1024 * 1024)) in sent, sent
    assert methods[-1] == "DELETE"
    assert not Upload.objects.filter(pk=upload.pk).exists(), "terminated: row (and file) gone"
