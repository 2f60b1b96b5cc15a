"""axe-core (bundled in axe-playwright-python) in Chromium: no serious or critical violations on our pages."""

from __future__ import annotations

import pytest

from tests.test_review_journey import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"resultTypes": ["violations"], "runOnly": ["wcag2a", "wcag2aa"]})
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/procedures/facial-cryomassage/",
        "/procedures/cryodestruction-of-benign-growths/check/",
        "/accounts/login/",
        "/accounts/signup/",
    ],
)
def test_public_pages_have_no_serious_accessibility_violations(page, live_server, guides, path):
    page.goto(f"{live_server.url}{path}")
    assert violations(page) == []


def test_a_self_check_answer_is_accessible(page, live_server, guides):
    page.goto(f"{live_server.url}/procedures/facial-cryomassage/check/")
    page.get_by_label("Rosacea", exact=False).check()
    page.get_by_role("button", name="Check my answers").click()
    page.wait_for_selector("#result")
    assert violations(page) == []


def test_member_pages_are_accessible(page, live_server, member):
    from cryoview.accounts.tests.factories import PASSWORD

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail").fill(member.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/account/")
    assert violations(page) == []
    page.goto(f"{live_server.url}/videos/new/")
    assert violations(page) == []


def test_review_pages_are_accessible(page, live_server, guides, member, moderator):
    from cryoview.accounts.tests.factories import PASSWORD
    from cryoview.procedures.models import Procedure
    from cryoview.reviews.tests.factories import pending_review, published_review

    massage = Procedure.objects.get(slug="facial-cryomassage")
    review = published_review(massage, title="Accessible review", side_effects=["blister"])
    pending_review(massage, title="Waiting review", body="Call me at +7 912 345 67 89")
    for path in (
        "/procedures/facial-cryomassage/",
        "/procedures/facial-cryomassage/reviews/",
        f"/reviews/{review.pk}/",
    ):
        page.goto(f"{live_server.url}{path}")
        assert violations(page) == [], path
    log_in(page, live_server.url, moderator.email, PASSWORD)
    for path in ("/moderation/", "/moderation/log/", "/procedures/cryodestruction-of-benign-growths/reviews/new/"):
        page.goto(f"{live_server.url}{path}")
        assert violations(page) == [], path


def test_comment_pages_are_accessible(page, live_server, guides, member, other_member, moderator):
    from cryoview.accounts.tests.factories import PASSWORD
    from cryoview.comments.selectors import Target
    from cryoview.comments.services import FormEvidence, comment_delete
    from cryoview.comments.tests.factories import approved, posted
    from cryoview.procedures.models import Procedure

    guide = Target(procedure=Procedure.objects.get(slug="facial-cryomassage"))
    question = approved(guide, member, "Does it sting?")
    answer = approved(guide, other_member, "A little, for a second.", parent=question)
    approved(guide, None, "Thanks both!", parent=answer, guest_name="Ira")
    gone = approved(guide, member, "Deleted later")
    approved(guide, other_member, "Reply to a deleted comment", parent=gone)
    comment_delete(comment=gone, by=member)
    posted(guide, None, "Held for a moderator https://a.example https://b.example https://c.example")
    posted(guide, None, "Spam", form=FormEvidence(honeypot="bot", seconds_on_form=30))
    base = live_server.url
    for path in (
        "/procedures/facial-cryomassage/#comments",
        f"/procedures/facial-cryomassage/?replytocom={question.pk}#respond",
        f"/comments/{question.pk}/report/",
    ):
        page.goto(f"{base}{path}")
        assert violations(page) == [], path
    # The error page a guest sees when a field needs correcting.
    page.goto(f"{base}/procedures/facial-cryomassage/")
    page.get_by_label("Comment *").fill("No name given")
    page.evaluate("document.getElementById('comment-name').removeAttribute('required')")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_load_state()
    assert "needs a correction" in page.title()
    assert violations(page) == [], "compose"
    log_in(page, base, moderator.email, PASSWORD)
    for path in ("/moderation/", "/moderation/spam/", "/moderation/comment-rules/"):
        page.goto(f"{base}{path}")
        assert violations(page) == [], path
