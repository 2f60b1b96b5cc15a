"""axe-core in Chromium, at a phone's width, on the two pages of proofs of treatment: the author's page (before,
with a form error, and once sent) and the moderators' queue; no console errors; then the journey's end: the
moderator accepts and a visitor sees "Verified" on the review."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page() -> Iterator[object]:
    from tests.browser import chromium_page

    yield from chromium_page()


def test_the_proof_pages_are_accessible_and_lead_to_verified(
    page, live_server, guides, clinic_staff, moderator, member
):
    from cryoview.accounts.tests.factories import PASSWORD
    from cryoview.clinics.models import Clinic, ReviewAttribution
    from cryoview.clinics.tests.documents import PDF, clear_documents, stored_documents
    from cryoview.procedures.models import Procedure
    from cryoview.reviews.tests.factories import published_review
    from tests.test_accessibility import violations
    from tests.test_review_journey import log_in

    clear_documents()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    massage = Procedure.objects.get(slug="facial-cryomassage")
    author = member  # a member who verified their address, as a real author has
    review = published_review(massage, author, title="Cold and quick")
    ReviewAttribution.objects.create(review=review, clinic=Clinic.objects.get(slug="nordlicht-skin-clinic"))
    base = live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, base, author.email, PASSWORD)
    page.goto(f"{base}/reviews/{review.pk}/edit/")
    page.get_by_role("link", name="Send a proof of treatment").click()
    page.wait_for_load_state()
    assert "Nordlicht Skin Clinic" in page.content()
    assert violations(page) == [], "author's page"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_input_files(
        "input[type=file]", files=[{"name": "receipt.pdf", "mimeType": "application/pdf", "buffer": b"<html>"}]
    )
    page.get_by_role("button", name="Send for checking").click()
    page.wait_for_load_state()
    assert "Must be a PDF, JPEG or PNG file" in page.content()
    assert violations(page) == [], "author's page with an error"
    page.get_by_label("Your receipt or appointment letter").set_input_files(
        files=[{"name": "receipt.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Send for checking").click()
    page.wait_for_load_state()
    assert "Your proof is with the moderators" in page.content()
    assert violations(page) == [], "author's page, proof sent"
    page.context.clear_cookies()
    log_in(page, base, moderator.email, PASSWORD)
    page.goto(f"{base}/clinics/checks/")
    page.get_by_role("link", name="Proofs of treatment waiting for a moderator").click()
    page.wait_for_load_state()
    assert "Cold and quick" in page.content()
    assert violations(page) == [], "queue"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="Accept: Verified").click()
    page.wait_for_load_state()
    assert "No proofs wait." in page.content() and stored_documents() == []
    assert violations(page) == [], "queue after a decision"
    page.context.clear_cookies()
    page.goto(f"{base}/reviews/{review.pk}/")
    assert page.locator(".badge", has_text="Verified").count() >= 1
    # The form error's own page answers 422 on purpose (Chromium notes it); nothing else may complain.
    assert [e for e in errors if "status of 422" not in e] == []
    clear_documents()
