"""The whole journey in Chromium: sign up and verify, upload a video review, a moderator approves it,
a visitor sees it on the guide page with the updated numbers and plays it."""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail

from tests.browser import ARTIFACTS
from tests.test_browser import poll

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "frosty-morning-2026"


def log_in(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/account/$"))


def test_a_video_review_from_sign_up_to_a_visitor_playing_it(
    page, live_server, guides, moderator, tmp_path, worker_factory, speech_wav
):
    from cryoview.accounts.tests.factories import PASSWORD as MODERATOR_PASSWORD
    from cryoview.videos.tests.clips import make_speaking_video

    base = live_server.url
    clip = make_speaking_video(tmp_path / "my-result.mp4", speech_wav, width=360, height=640, seconds=4)
    worker_factory()

    # 1. Sign up, then verify with the link from the e-mail.
    page.goto(f"{base}/accounts/signup/")
    page.fill("input[name=email]", "olga@example.org")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.fill("input[name=display_name]", "Olga")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(re.compile(r".*/accounts/confirm-email/$"))
    link = re.search(r"(https?://\S+/accounts/confirm-email/\S+)", mail.outbox[-1].body).group(1)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()

    # 2. From the guide, write a review: upload the video first, then come back with it.
    page.goto(f"{base}/procedures/facial-cryomassage/")
    assert page.get_by_text("No video reviews yet.").is_visible()
    page.get_by_role("link", name="Write a review").click()
    if "/accounts/login/" in page.url:
        log_in(page, base, "olga@example.org", PASSWORD)
        page.goto(f"{base}/procedures/facial-cryomassage/reviews/new/")
    # The video is uploaded from inside the form; the review may be sent while it processes.
    page.set_input_files("#video-file", str(clip))
    page.get_by_role("button", name="Upload", exact=True).click()
    poll(page, "document.getElementById('id_video').value !== ''", timeout=60)
    page.get_by_label("5 of 5").check()
    page.get_by_label("Worth it", exact=True).check()
    page.get_by_label("Month of treatment").fill("2026-10")
    page.get_by_label("Number of sessions").fill("6")
    page.get_by_label("What you paid in total").fill("180")
    page.get_by_label("Currency").fill("EUR")
    page.get_by_label("None", exact=True).check()
    page.get_by_label("Title").fill("Brighter skin after six sessions")
    page.get_by_label("Your review").fill("Cold but quick. My skin looked **fresher** for weeks.")
    page.get_by_label("I agree that Cryoview publishes").check()
    page.screenshot(path=str(ARTIFACTS / "review-form.png"), full_page=True)
    page.get_by_role("button", name="Submit for moderation").click()
    page.wait_for_url(re.compile(r".*/reviews/\d+/$"))
    assert page.get_by_text("Awaiting moderation").first.is_visible()
    review_url = page.url
    # The moderator sees it once the video is ready (the review page says it waits for it until then).
    page.goto(f"{review_url}")
    if page.get_by_role("link", name="Follow its progress").count():
        page.get_by_role("link", name="Follow its progress").click()
        page.wait_for_selector("#player", timeout=180_000)

    # 3. A moderator approves it in the queue.
    page.context.clear_cookies()
    log_in(page, base, moderator.email, MODERATOR_PASSWORD)
    page.goto(f"{base}/moderation/")
    item = page.locator("article.queue-item", has_text="Brighter skin after six sessions")
    assert item.locator("video").count() == 1, "the moderator sees the player"
    assert item.get_by_role("heading", name="Transcript").is_visible()
    page.screenshot(path=str(ARTIFACTS / "moderation-queue.png"), full_page=True)
    item.get_by_role("button", name="Approve").click()
    page.wait_for_url(re.compile(r".*/moderation/$"))
    assert page.get_by_text("Nothing is waiting").is_visible()
    assert any("is published" in m.subject for m in mail.outbox if m.to == ["olga@example.org"])

    # 4. A visitor sees it on the guide page with the numbers, opens it and plays it.
    page.context.clear_cookies()
    # The guide's numbers are recounted by the worker a moment after the decision, never in the moderator's
    # request. Wait for the worker's recount before the visitor comes: in production the worker's "pages are
    # stale" signal reaches the web processes through the shared cache, but the test settings give each process
    # its own in-memory cache, so a page a visitor caused to be stored before the recount would stay here.
    from cryoview.reviews.models import ReviewStats

    deadline = time.monotonic() + 60
    while not ReviewStats.objects.filter(
        procedure__slug="facial-cryomassage", stale_since__isnull=True, data__count=1
    ).exists():
        assert time.monotonic() < deadline, "the worker did not recount the guide's numbers within 60 s"
        time.sleep(0.2)
    page.goto(f"{base}/procedures/facial-cryomassage/")
    section = page.locator("#reviews")
    assert "1 published review" in section.inner_text()
    assert section.locator('[data-stat="average"]').inner_text() == "5.0"
    assert section.locator('[data-stat="worth-it"]').inner_text() == "100 %"
    assert "180 EUR" in section.inner_text()
    section.screenshot(path=str(ARTIFACTS / "guide-reviews-section.png"))
    section.get_by_role("link", name="Brighter skin after six sessions").click()
    page.wait_for_url(review_url)
    page.evaluate("document.getElementById('player').muted = true")
    page.evaluate("document.getElementById('player').play()")
    poll(page, "document.getElementById('player').currentTime > 0.5")
    page.get_by_text("Report this review").click()
    assert page.get_by_role("button", name="Send the report").is_visible()
    page.screenshot(path=str(ARTIFACTS / "review-page.png"), full_page=True)
