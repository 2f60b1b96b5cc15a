"""In Chromium, on a phone's width: the staff's invitations page (a link shown once, a CSV error), the link's
landing page, sign-in that comes back to the invitation, the invited review and its "Invited" label, and the page
of a used link. axe-core on each (no serious or critical WCAG 2 A/AA violations), and nothing scrolls sideways."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.browser import chromium_page
from tests.test_accessibility import violations
from tests.test_review_journey import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page() -> Iterator[object]:
    yield from chromium_page()


def fits_a_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} scrolls sideways on a phone ({width}px)"


def test_invitation_pages_are_accessible_and_lead_to_an_invited_review(page, live_server, clinic_staff, member, guides):
    from cryoview.accounts.tests.factories import PASSWORD
    from cryoview.clinics.models import Clinic
    from cryoview.procedures.models import Procedure

    clinic = Clinic.objects.get(slug="nordlicht-skin-clinic")
    clinic.procedures.add(Procedure.objects.get(slug="facial-cryomassage"))
    page.set_viewport_size({"width": 390, "height": 844})
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    base = live_server.url
    staff_page = f"{base}/clinics/nordlicht-skin-clinic/staff/invitations/"

    log_in(page, base, clinic_staff.email, PASSWORD)
    page.goto(staff_page)
    assert violations(page) == [], "staff page"
    fits_a_phone(page)
    page.get_by_role("button", name="Create a link").click()
    page.wait_for_load_state()
    link = page.get_by_label("Invitation link 1").input_value()
    assert re.fullmatch(rf"{re.escape(base)}/clinics/invitations/[A-Za-z0-9_-]{{43}}/", link)
    assert violations(page) == [], "staff page with a new link"
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "patients.csv", "mimeType": "text/csv", "buffer": b"ana@example.org\nnope\n"}],
    )
    page.get_by_role("button", name="Send the invitations").click()
    page.wait_for_load_state()
    assert "Line 2: “nope” is not an e-mail address." in page.content()
    assert violations(page) == [], "staff page with a CSV error"
    fits_a_phone(page)
    page.context.clear_cookies()

    # The patient: the landing page asks to sign in, and sign-in comes back to the invitation.
    page.goto(link)
    assert "good or bad" in page.content()
    assert violations(page) == [], "landing"
    fits_a_phone(page)
    page.get_by_role("link", name="Sign in", exact=True).last.click()
    page.get_by_label("E-mail").fill(member.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/review/facial-cryomassage/$"))
    assert "from the clinic" in page.content()
    assert page.locator("#id_clinic").input_value() == "nordlicht-skin-clinic"
    assert violations(page) == [], "invited review form"
    fits_a_phone(page)
    page.locator("input[name=rating][value='4']").check()
    page.locator("input[name=worth_it][value=worth_it]").check()
    page.get_by_label("Title").fill("Fresh, a little red")
    page.get_by_label("Your review").fill("Cold and quick; the redness went after an hour.")
    page.locator("input[name=side_effects][value=none]").check()
    page.locator("input[name=consent]").check()
    page.get_by_role("button", name="Submit for moderation").click()
    page.wait_for_url(re.compile(r".*/reviews/\d+/$"))
    assert page.locator(".badge", has_text="Invited").count() == 1
    page.goto(link)
    assert "already been used" in page.content()
    assert violations(page) == [], "used link"
    # The browser reports the pages answered 422 (the CSV error) and 410 (the used link) as failed loads: meant.
    assert [e for e in errors if not re.match(r"Failed to load resource: .* (422|410) ", e)] == []
    assert len(errors) == 2
