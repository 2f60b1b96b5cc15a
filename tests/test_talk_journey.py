"""In Chromium: a guest's held comment is shown to them where they are (not an empty form with a message
12,000 px above), a moderator reads the queue, the decision log and the statistics on a 390 px phone without
scrolling sideways, the log keeps the flags shown at decision time, and the footer's Status is a page for people.
axe-core checks each changed page."""

from __future__ import annotations

import re

import pytest

from tests.browser import ARTIFACTS
from tests.test_accessibility import violations
from tests.test_review_journey import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    view = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], view["height"]) <= view["height"]


WIDER_THAN_THE_SCREEN = """() => [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .slice(0, 5).map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right))"""


def wider_than_the_screen(page) -> list[str]:
    """Nothing when the page does not scroll sideways (scrollWidth <= the viewport's width); else what sticks out."""
    if page.evaluate("document.scrollingElement.scrollWidth") <= page.viewport_size["width"]:
        return []
    return page.evaluate(WIDER_THAN_THE_SCREEN) or ["the page scrolls sideways"]


def test_a_guests_held_comment_is_shown_in_place_and_moderators_read_it_all_on_a_phone(
    page, live_server, guides, member, moderator
):
    from cryoview.accounts.tests.factories import PASSWORD
    from cryoview.comments.models import Comment
    from cryoview.comments.selectors import Target
    from cryoview.comments.tests.factories import approved
    from cryoview.procedures.models import Procedure
    from cryoview.reviews.tests.factories import pending_review

    base = live_server.url
    massage = Procedure.objects.get(slug="facial-cryomassage")
    approved(Target(procedure=massage), member, "Has anyone tried it in winter?")
    # A review waiting too, with a long unbroken address: the queue must still fit a phone.
    pending_review(massage, member, title="Long words", body="See https://example.org/" + "cryomassage" * 12)

    # 1. A guest on a phone comments at the foot of a long guide page.
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/procedures/facial-cryomassage/#respond")
    page.get_by_label("Name *").fill("Ira")
    page.get_by_label("Comment *").fill("Does it help with call me at +7 912 345 67 89 redness?")
    page.wait_for_timeout(3200)  # a person takes longer than CRYOVIEW_COMMENTS_MIN_SECONDS to write
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url(re.compile(r".*/procedures/facial-cryomassage/#comment-\d+$"))
    held = Comment.objects.get(guest_name="Ira")
    assert held.status == "held"
    item = page.locator(f"#comment-{held.pk}")
    note = item.get_by_text("Only you can see this — waiting for a moderator.")
    assert note.is_visible()
    assert in_viewport(page, note), "the note is where the guest is, not 12,000 px above"
    assert in_viewport(page, item.get_by_text("Does it help with"))
    page.screenshot(path=str(ARTIFACTS / "talk-held-comment-390.png"))
    assert violations(page) == []
    assert wider_than_the_screen(page) == []

    # Nobody else sees it.
    other = page.context.browser.new_page()
    other.goto(f"{base}/procedures/facial-cryomassage/")
    assert other.locator(f"#comment-{held.pk}").count() == 0
    other.close()

    # 2. A moderator on a phone: the queue, without sideways scrolling.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, base, moderator.email, PASSWORD)
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/moderation/")
    assert page.locator("article.queue-item", has_text="Long words").is_visible()
    queue_item = page.locator("article.queue-item", has_text="Does it help with")
    assert queue_item.locator('[data-flag="phone"]').is_visible()
    assert wider_than_the_screen(page) == [], "the queue at 390 px"
    assert violations(page) == []
    page.screenshot(path=str(ARTIFACTS / "talk-queue-390.png"), full_page=True)
    queue_item.get_by_role("button", name="Approve").click()
    page.wait_for_url(re.compile(r".*/moderation/$"))

    # 3. The log at 390 px: rows as cards, the flags shown when deciding.
    page.goto(f"{base}/moderation/log/")
    entry = page.locator("#decision-log tbody tr").first
    assert entry.locator('[data-flag="phone"]').is_visible()
    assert entry.locator('[data-flag="held"]').is_visible()
    assert wider_than_the_screen(page) == [], "the log at 390 px"
    assert violations(page) == []
    page.screenshot(path=str(ARTIFACTS / "talk-log-390.png"), full_page=True)

    page.goto(f"{base}/moderation/stats/")
    assert wider_than_the_screen(page) == [], "the statistics at 390 px"
    assert violations(page) == []

    # 4. The footer's Status is a page in plain words.
    page.goto(f"{base}/")
    page.get_by_role("contentinfo").get_by_role("link", name="Status").click()
    page.wait_for_url(re.compile(r".*/status/$"))
    assert page.get_by_role("heading", name="Status").is_visible()
    assert page.get_by_text("Up: pages and the database answer.").is_visible()
    assert wider_than_the_screen(page) == []
    assert violations(page) == []

    # 5. Everyone now sees the approved comment.
    page.context.clear_cookies()
    page.goto(f"{base}/procedures/facial-cryomassage/#comment-{held.pk}")
    assert page.locator(f"#comment-{held.pk}").get_by_text("Does it help with").is_visible()
    assert page.get_by_text("Only you can see this").count() == 0


def test_the_account_page_with_its_e_mail_setting_is_accessible_on_a_phone(page, live_server, member):
    from cryoview.accounts.tests.factories import PASSWORD

    log_in(page, live_server.url, member.email, PASSWORD)
    page.set_viewport_size(PHONE)
    setting = page.get_by_label("E-mail me when someone comments under my reviews")
    assert setting.is_checked()
    setting.uncheck()
    page.get_by_role("button", name="Save profile").click()
    page.wait_for_url(re.compile(r".*/account/$"))
    assert not page.get_by_label("E-mail me when someone comments under my reviews").is_checked()
    assert wider_than_the_screen(page) == []
    assert violations(page) == []
