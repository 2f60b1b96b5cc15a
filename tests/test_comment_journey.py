"""In Chromium: a guest replies on a guide page, sees the reply in place awaiting moderation, a moderator approves
it in the queue, and it appears in the thread, under the comment it answers."""

from __future__ import annotations

import re

import pytest

from tests.browser import ARTIFACTS
from tests.test_review_journey import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_guest_reply_is_held_approved_and_shown(page, live_server, guides, member, moderator):
    from cryoview.accounts.tests.factories import PASSWORD
    from cryoview.comments.selectors import Target
    from cryoview.comments.tests.factories import approved
    from cryoview.procedures.models import Procedure

    base = live_server.url
    question = approved(
        Target(procedure=Procedure.objects.get(slug="facial-cryomassage")), member, "Has anyone tried it in winter?"
    )

    # 1. A visitor answers the member's comment as a guest.
    page.goto(f"{base}/procedures/facial-cryomassage/")
    thread = page.locator(f"#comment-{question.pk}")
    thread.get_by_role("link", name=f"Reply to {member.public_name}").click()
    assert page.locator("#reply-title").inner_text().startswith(f"Reply to {member.public_name}")
    assert thread.locator("#respond").count() == 1, "the form moved under the comment"
    page.get_by_label("Name *").fill("Ira")
    page.get_by_label("Comment *").fill("Yes, in January: *no* problems, just cold.")
    page.get_by_label("Save my name and e-mail").check()
    page.screenshot(path=str(ARTIFACTS / "comment-reply-form.png"), full_page=False)
    page.wait_for_timeout(3200)  # a person takes longer than CRYOVIEW_COMMENTS_MIN_SECONDS to write
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url(re.compile(r".*/procedures/facial-cryomassage/#comment-\d+$"))
    assert page.get_by_text("Only you can see this — waiting for a moderator.").is_visible()
    assert page.locator("li.comment-own-held", has_text="Yes, in January").count() == 1, "shown to its sender only"
    assert page.get_by_label("Name *").input_value() == "Ira", "remembered on this browser"

    # 2. A moderator approves it in the queue.
    page.context.clear_cookies()
    log_in(page, base, moderator.email, PASSWORD)
    page.goto(f"{base}/moderation/")
    item = page.locator("article.queue-item", has_text="Yes, in January")
    assert "First comment" in item.inner_text()
    page.screenshot(path=str(ARTIFACTS / "comment-queue.png"), full_page=True)
    item.get_by_role("button", name="Approve").click()
    page.wait_for_url(re.compile(r".*/moderation/$"))
    assert page.get_by_text("Comment by Ira: approved.").is_visible()

    # 3. Everyone sees it in the thread, nested under the question.
    page.context.clear_cookies()
    page.goto(f"{base}/procedures/facial-cryomassage/#comments")
    reply = page.locator(f"#comment-{question.pk} ol.children li.comment")
    assert reply.count() == 1
    assert "Ira" in reply.inner_text() and "no problems" in reply.inner_text().replace("*", "")
    assert reply.locator("em", has_text="no").count() == 1
    assert "2 comments" in page.locator("#comments-title").inner_text()
    page.locator("#comments").screenshot(path=str(ARTIFACTS / "comment-thread.png"))
