from __future__ import annotations

import pytest

from tests.browser import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_guide_page_shows_the_contraindications_in_chromium(page, live_server, guides):
    page.goto(f"{live_server.url}/procedures/facial-cryomassage/")
    box = page.get_by_role("heading", name="Do not have it if you have…")
    assert box.is_visible()
    items = page.locator("ul.contraindications li")
    assert items.count() >= 6
    assert items.filter(has_text="Herpes").first.is_visible() or items.filter(has_text="Cold sores").first.is_visible()
    assert page.get_by_role("heading", name="Where sources disagree").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "guide-desktop.png"), full_page=True)


def test_guide_page_works_on_a_phone(page, live_server, guides):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/procedures/facial-cryomassage/")
    assert page.get_by_role("heading", name="Do not have it if you have…").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page must not scroll sideways on a phone"
    page.screenshot(path=str(ARTIFACTS / "guide-phone.png"), full_page=False)


def test_keyboard_user_can_skip_to_content(page, live_server, guides):
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to content"


def test_self_check_for_a_person_with_herpes_says_no_go(page, live_server, guides):
    page.goto(f"{live_server.url}/procedures/facial-cryomassage/")
    page.get_by_role("link", name="Start the self-check").click()
    page.get_by_label("Cold sores", exact=False).check()
    page.get_by_label("In a clinic or salon", exact=False).check()
    page.get_by_role("button", name="Check my answers").click()
    result = page.locator("#result")
    assert result.is_visible()
    assert "Not for you as things stand" in result.inner_text() and "no_go" not in result.inner_text()
    reason = page.locator('[data-code="contraindication:herpes"]')
    assert reason.is_visible()
    assert "cold sores" in reason.inner_text().lower()
    page.screenshot(path=str(ARTIFACTS / "self-check-no-go.png"), full_page=True)


def test_self_check_is_usable_with_the_keyboard_only(page, live_server, guides):
    page.goto(f"{live_server.url}/procedures/facial-cryomassage/check/")
    page.locator('input[name="conditions"]').first.focus()
    page.keyboard.press("Space")  # tick the first condition
    assert page.locator('input[name="conditions"]').first.is_checked()
    page.get_by_role("button", name="Check my answers").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#result")
    assert page.evaluate("document.activeElement.id") == "result", "the answer receives focus for screen readers"


def poll(page, expression: str, timeout: float = 30) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        time.sleep(0.2)


@pytest.mark.slow
def test_upload_a_clip_wait_until_ready_and_play_it_with_captions(
    page, live_server, member, tmp_path, worker_factory, speech_wav
):
    from cryoview.accounts.tests.factories import PASSWORD
    from cryoview.videos.tests.clips import make_speaking_video

    clip = make_speaking_video(tmp_path / "my-review.mp4", speech_wav, width=360, height=640, seconds=4)
    worker_factory()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail").fill(member.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/account/")
    page.goto(f"{live_server.url}/videos/new/")
    page.set_input_files("#video-file", str(clip))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_selector("[data-watch]:not([hidden])", timeout=180_000)
    page.screenshot(path=str(ARTIFACTS / "upload-ready.png"), full_page=True)
    page.get_by_role("link", name="Watch it").click()
    video = page.locator("video#player")
    video.wait_for()
    page.evaluate("document.getElementById('player').muted = true")
    page.evaluate("document.getElementById('player').play()")
    # Polled from Python: wait_for_function evaluates strings in the page, which our CSP forbids (rightly).
    poll(page, "document.getElementById('player').currentTime > 0.5")
    poll(
        page,
        "(() => { const t = document.getElementById('player').textTracks[0];"
        " return !!(t && t.mode === 'showing' && t.cues && t.cues.length > 0); })()",
    )
    cue = page.evaluate("document.getElementById('player').textTracks[0].cues[0].text")
    assert "nitrogen" in cue.lower()
    assert page.get_by_role("heading", name="Transcript").is_visible()
    page.screenshot(path=str(ARTIFACTS / "player.png"), full_page=True)
