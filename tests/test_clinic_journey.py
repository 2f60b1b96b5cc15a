"""A clinic's whole journey in Chromium, as its people live it: a member claims the clinic and a moderator approves
the claim; the new staff member sends an invitation link; the invited patient writes a review, a moderator
publishes it and it shows "Invited"; the clinic replies, and the reply appears under the review only once a
moderator has published it. axe-core on the pages the journey passes through."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.browser import chromium_page
from tests.test_accessibility import violations
from tests.test_review_journey import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CLINIC = "Polar Aesthetics"
REVIEW_TITLE = "Calm skin, honest advice"
REPLY = "Thank you. We are glad the redness faded; call us if it comes back."


@pytest.fixture
def page() -> Iterator[object]:
    yield from chromium_page()


def test_claim_approve_invite_invited_review_and_a_moderated_reply(
    page, live_server, guides, moderator, member, other_member, tmp_path
):
    from cryoview.accounts.tests.factories import PASSWORD
    from cryoview.clinics.models import ClinicStaff
    from cryoview.clinics.tests.documents import PDF, clear_documents
    from cryoview.clinics.tests.factories import make_clinic
    from cryoview.procedures.models import Procedure

    clear_documents()
    clinic = make_clinic(CLINIC, city="Hamburg")
    clinic.procedures.add(Procedure.objects.get(slug="facial-cryomassage"))
    base = live_server.url
    proof = tmp_path / "employment-letter.pdf"
    proof.write_bytes(PDF)

    def as_person(email: str) -> None:
        page.context.clear_cookies()
        log_in(page, base, email, PASSWORD)

    # 1. A member who works there claims the clinic, with a letter as proof.
    as_person(other_member.email)
    page.goto(f"{base}/clinics/{clinic.slug}/claim/")
    assert violations(page) == [], "claim page"
    page.get_by_label("Your job title at the clinic").fill("Practice manager")
    page.set_input_files("input[type=file]", str(proof))
    page.get_by_role("button", name="Send the claim").click()
    page.wait_for_load_state()
    assert page.locator("[data-claim-status=pending]").count() == 1
    assert page.get_by_role("link", name="Open the clinic's console").count() == 0, "not staff before approval"

    # 2. A moderator opens the document and approves the claim.
    as_person(moderator.email)
    page.goto(f"{base}/clinics/checks/")
    assert violations(page) == [], "checks queue"
    claim = page.locator("article", has_text="Practice manager")
    claim.get_by_role("button", name="Approve").click()
    page.wait_for_load_state()
    assert ClinicStaff.objects.get(clinic=clinic, user=other_member).status == "approved"

    # 3. The new staff member creates an invitation link from the console.
    as_person(other_member.email)
    page.goto(f"{base}/clinics/{clinic.slug}/staff/")
    assert violations(page) == [], "staff console"
    page.get_by_role("link", name="Invitations", exact=True).click()
    page.get_by_role("button", name="Create a link").click()
    page.wait_for_load_state()
    link = page.get_by_label("Invitation link 1").input_value()
    assert link.startswith(f"{base}/clinics/invitations/")

    # 4. The patient follows the link, signs in, and writes the review; the clinic is already chosen.
    page.context.clear_cookies()
    page.goto(link)
    assert "good or bad" in page.content(), "the fixed, neutral invitation text"
    page.get_by_role("link", name="Sign in", exact=True).last.click()
    page.get_by_label("E-mail").fill(member.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/review/facial-cryomassage/$"))
    assert page.locator("#id_clinic").input_value() == clinic.slug
    page.locator("input[name=rating][value='3']").check()
    page.locator("input[name=worth_it][value=worth_it]").check()
    page.get_by_label("Title").fill(REVIEW_TITLE)
    page.get_by_label("Your review").fill("Cold, quick, a little redness for an hour. They explained every step.")
    page.locator("input[name=side_effects][value=none]").check()
    page.locator("input[name=consent]").check()
    page.get_by_role("button", name="Submit for moderation").click()
    page.wait_for_url(re.compile(r".*/reviews/\d+/$"))
    review_url = page.url
    assert page.get_by_text("Awaiting moderation").first.is_visible()

    # 5. A moderator publishes it; everyone sees it labelled "Invited".
    as_person(moderator.email)
    page.goto(f"{base}/moderation/")
    page.locator("article.queue-item", has_text=REVIEW_TITLE).get_by_role("button", name="Approve").click()
    page.wait_for_url(re.compile(r".*/moderation/$"))
    page.context.clear_cookies()
    page.goto(review_url)
    assert page.locator(".badge", has_text="Invited").count() == 1
    assert page.locator("#clinic-reply").count() == 0

    # 6. The clinic replies; the reply waits for a moderator and is not shown meanwhile.
    as_person(other_member.email)
    page.goto(f"{base}/clinics/{clinic.slug}/staff/reviews/")
    assert violations(page) == [], "staff reviews"
    page.get_by_role("link", name=f"Reply to “{REVIEW_TITLE}”").click()
    assert violations(page) == [], "reply form"
    page.get_by_label("Your reply").fill(REPLY)
    page.get_by_role("button", name="Send for moderation").click()
    page.wait_for_load_state()
    page.context.clear_cookies()
    page.goto(review_url)
    assert REPLY not in page.content(), "a held reply is not shown"

    # 7. A moderator publishes the reply; it appears under the review, marked as the clinic's.
    as_person(moderator.email)
    page.goto(f"{base}/clinics/checks/replies/")
    assert violations(page) == [], "replies queue"
    page.locator("article", has_text=REPLY).get_by_role("button", name="Publish").click()
    page.wait_for_load_state()
    page.context.clear_cookies()
    page.goto(review_url)
    reply = page.locator("#clinic-reply")
    assert reply.get_by_role("heading", name=f"Reply from {CLINIC}").is_visible()
    assert REPLY in reply.inner_text()
    assert page.locator(".badge", has_text="Invited").count() == 1, "the reply changes nothing of the review"
    assert violations(page) == [], "review page with the reply"
