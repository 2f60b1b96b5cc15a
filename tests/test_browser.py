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
    page.get_by_role("link", name="Is this right for me?").click()
    page.get_by_label("Cold sores", exact=False).check()
    page.get_by_label("In a clinic or salon", exact=False).check()
    page.get_by_role("button", name="Check my answers").click()
    result = page.locator("#result")
    assert result.is_visible()
    assert "(no_go)" in result.inner_text()
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
