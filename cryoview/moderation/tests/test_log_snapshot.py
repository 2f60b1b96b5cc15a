"""The decision log shows what the moderator was shown when deciding: a snapshot of the item's flags kept with
the log row (the item's own flags change afterwards); rows from before snapshots say so."""

from __future__ import annotations

import pytest

from cryoview.comments.selectors import Target
from cryoview.comments.services import comment_edit
from cryoview.comments.tests.factories import posted
from cryoview.core.flags import flags_from_json
from cryoview.moderation.enums import Decision, TargetKind
from cryoview.moderation.models import ModerationDecision
from cryoview.moderation.services import comment_decide, review_decide
from cryoview.reviews.tests.factories import pending_review

pytestmark = pytest.mark.django_db
PHONE_TEXT = "Call me on +7 912 345 67 89 for a discount."


def log_cell(html: str) -> str:
    start = html.index('data-label="Flags shown"')
    return html[start : html.index("</td>", start)]


def test_a_review_decision_keeps_the_flags_shown_in_the_queue(client, massage, member, moderator):
    review = pending_review(massage, member, body=PHONE_TEXT)
    shown = [flag.as_json() for flag in flags_from_json(review.flags)]
    assert {"phone", "new_account"} <= {flag["code"] for flag in shown}
    review_decide(review=review, by=moderator, decision=Decision.REJECT, reason="A phone number is advertising")
    entry = ModerationDecision.objects.get()
    assert entry.flags_shown == shown
    client.force_login(moderator)
    cell = log_cell(client.get("/moderation/log/").text)
    assert 'data-flag="phone"' in cell and 'data-flag="new_account"' in cell


def test_a_comment_decision_keeps_the_hold_reasons_and_the_automatic_flags_of_that_moment(
    client, massage, member, moderator
):
    comment = posted(Target(procedure=massage), member, "write to anna@mail.example.com")
    reasons = list(comment.reasons)
    assert reasons, "a first comment is held, with its reason"
    comment_decide(comment=comment, by=moderator, decision=Decision.APPROVE)
    # Afterwards the comment changes (an edit recomputes its flags); the log keeps what was shown.
    comment_edit(comment=comment, by=member, text="Plain words now")
    entry = ModerationDecision.objects.get(target_kind=TargetKind.COMMENT)
    assert [f["reason"] for f in entry.flags_shown if f["code"] == "held"] == reasons
    assert "email" in {f["code"] for f in entry.flags_shown}
    client.force_login(moderator)
    cell = log_cell(client.get("/moderation/log/").text)
    assert 'data-flag="email"' in cell and reasons[0][1:20] in cell


def test_an_item_without_flags_says_none_and_an_old_entry_says_it_has_no_snapshot(client, massage, member, moderator):
    review = pending_review(massage, member, body="Calm and cold.")
    review_decide(review=review, by=moderator, decision=Decision.REJECT, reason="Testing")
    ModerationDecision.objects.update(flags_shown=[])
    client.force_login(moderator)
    assert log_cell(client.get("/moderation/log/").text).endswith("none</div>")
    ModerationDecision.objects.update(flags_shown=None, flags=["An old reason"])
    cell = log_cell(client.get("/moderation/log/").text)
    assert "data-no-snapshot" in cell and "Not recorded" in cell and "An old reason" in cell
