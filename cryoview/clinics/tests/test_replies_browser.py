"""axe-core in Chromium, on a phone's width (390 px, no sideways scroll), on every page of the right of reply: the
clinic's list of its reviews and its reply form (with a form error shown), the reviewer's answer page, the
moderators' queue, and the review page with the published reply and answer. Console errors fail the test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser import chromium_page
from tests.test_accessibility import violations
from tests.test_review_journey import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def page() -> Iterator[object]:
    yield from chromium_page()


def _check(page, url: str) -> None:
    page.goto(url)
    assert violations(page) == [], url
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], f"sideways scroll: {url}"


def test_the_reply_pages_are_accessible_on_a_phone(page, live_server, guides, member, clinic_staff, moderator):
    from cryoview.accounts.tests.factories import PASSWORD
    from cryoview.clinics.models import Clinic, ReviewAttribution
    from cryoview.clinics.services.replies import reply_decide, reply_post, reply_seen
    from cryoview.procedures.models import Procedure
    from cryoview.reviews.tests.factories import published_review

    massage = Procedure.objects.get(slug="facial-cryomassage")
    clinic = Clinic.objects.get(slug="nordlicht-skin-clinic")
    answered = published_review(massage, member, title="Cold and quick")
    fresh = published_review(massage, title="Another visit")
    for review in (answered, fresh):
        ReviewAttribution.objects.create(review=review, clinic=clinic)
    reply = reply_post(review=answered, by=clinic_staff, body="Thank you.\n\nPlease call us about the redness.")
    reply_decide(reply=reply, seen=reply_seen(reply), by=moderator, approve=True)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.set_viewport_size(PHONE)
    base = live_server.url

    log_in(page, base, clinic_staff.email, PASSWORD)
    _check(page, f"{base}/clinics/nordlicht-skin-clinic/staff/reviews/")
    _check(page, f"{base}/clinics/nordlicht-skin-clinic/staff/reviews/{fresh.pk}/reply/")
    page.get_by_role("button", name="Send for moderation").click()
    page.wait_for_load_state()
    assert "This field is required" in page.content()
    assert violations(page) == [], "reply form with an error"
    page.get_by_label("Your reply").fill("We are sorry to read this.")
    page.get_by_role("button", name="Send for moderation").click()
    page.wait_for_load_state()
    assert "Waiting for a moderator" in page.content()
    assert violations(page) == [], "reply form after sending"

    page.context.clear_cookies()
    log_in(page, base, member.email, PASSWORD)
    _check(page, f"{base}/reviews/{answered.pk}/")
    page.get_by_role("link", name="Wrote this review? Answer the clinic once").click()
    page.wait_for_load_state()
    assert violations(page) == [], "answer page"
    page.get_by_label("Your answer").fill("Thanks, it faded after a week.")
    page.get_by_role("button", name="Send for moderation").click()
    page.wait_for_load_state()
    assert "Waiting for a moderator" in page.content()

    page.context.clear_cookies()
    log_in(page, base, moderator.email, PASSWORD)
    _check(page, f"{base}/clinics/checks/replies/")
    assert "We are sorry to read this." in page.content() and "it faded after a week" in page.content()
    page.locator("article", has_text="it faded after a week").get_by_role("button", name="Publish").click()
    page.wait_for_load_state()
    page.goto(f"{base}/reviews/{answered.pk}/")
    assert page.get_by_role("heading", name="Reply from Nordlicht Skin Clinic").is_visible()
    assert page.get_by_role("heading", name="The reviewer's answer").is_visible()
    assert violations(page) == [], "review page with the reply and the answer"
    # The form with an error is answered 422 on purpose; Chromium reports every 4xx document as a console error.
    assert [e for e in errors if "status of 422" not in e] == []
