"""What a review's author reads in each state, now that templates ask the model (`review.is_pending`, ...)
instead of comparing status strings; axe on each page, and on the account pages that moved to the top floor."""

from __future__ import annotations

import pytest

from tests.test_accessibility import violations
from tests.test_review_journey import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# state: what the author reads on the review's page
SAYS = {
    "draft": "Only you can see this draft.",
    "pending": "A moderator will check it",
    "pending_edit": "Your edit is waiting for a moderator.",
    "hidden": "hidden after reports, until a moderator decides",
    "rejected": "The moderator's reason: Please leave out the clinic's phone number.",
}


def _reviews_in_every_state(member, moderator):
    from cryoview.procedures.models import Procedure
    from cryoview.reviews.services import review_create, review_hide, review_reject, review_update
    from cryoview.reviews.tests.factories import pending_review, published_review, review_input

    guides = list(Procedure.objects.order_by("slug")[:3])
    assert len(guides) == 3
    draft = review_create(author=member, procedure=guides[0], data=review_input(), consent=False, submit=False)
    rejected = pending_review(guides[1], member)
    review_reject(review=rejected, by=moderator, reason="Please leave out the clinic's phone number.")
    edited = published_review(guides[2], member)
    review_update(review=edited, by=member, data=review_input(title="A better title"))
    pending = pending_review(guides[0], moderator)
    hidden = published_review(guides[1], moderator)
    review_hide(review=hidden)
    return {"draft": draft, "rejected": rejected, "pending_edit": edited}, {"pending": pending, "hidden": hidden}


def test_each_state_reads_right_to_its_author_and_is_accessible(page, live_server, guides, member, moderator):
    from cryoview.accounts.tests.factories import PASSWORD

    members, moderators = _reviews_in_every_state(member, moderator)
    for who, reviews in ((member, members), (moderator, moderators)):
        page.context.clear_cookies()
        log_in(page, live_server.url, who.email, PASSWORD)
        for state, review in reviews.items():
            page.goto(f"{live_server.url}/reviews/{review.pk}/")
            assert SAYS[state] in page.inner_text("main"), state
            assert violations(page) == [], state
    page.context.clear_cookies()
    log_in(page, live_server.url, member.email, PASSWORD)
    # The edit form: "Save as draft" only where a draft can be kept; a published review's edit goes to moderation.
    for state, draft_button, submit_label in (
        ("draft", True, "Submit for moderation"),
        ("rejected", True, "Submit for moderation"),
        ("pending_edit", False, "Send the edit for moderation"),
    ):
        page.goto(f"{live_server.url}/reviews/{members[state].pk}/edit/")
        assert page.get_by_role("button", name="Save as draft").count() == (1 if draft_button else 0), state
        assert page.get_by_role("button", name=submit_label).count() == 1, state
        assert violations(page) == [], state


def test_the_account_pages_of_the_top_floor_are_accessible(page, live_server, member):
    from cryoview.accounts.tests.factories import PASSWORD

    log_in(page, live_server.url, member.email, PASSWORD)
    page.goto(f"{live_server.url}/account/delete/")
    assert page.get_by_role("button").filter(has_text="Delete").count() >= 1
    assert violations(page) == []
