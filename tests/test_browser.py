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
    assert (
        items.filter(has_text="Herpes").first.is_visible()
        or items.filter(has_text="Cold sores").first.is_visible()
    )
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
