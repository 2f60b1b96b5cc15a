"""A comment's status changes through one door (services._set_status) and one table (COMMENT_TRANSITIONS)."""

from __future__ import annotations

import pytest

from cryoview.comments.enums import COMMENT_TRANSITIONS, CommentStatus
from cryoview.comments.selectors import Target
from cryoview.comments.services import (
    _set_status,
    comment_approve,
    comment_delete,
    comment_hide,
    comment_mark_spam,
    comment_unhide,
)
from cryoview.comments.tests.factories import approved, posted
from cryoview.core.errors import ApplicationError, NotFoundError
from cryoview.reviews.tests.factories import factory_moderator

ALL = list(CommentStatus)


def test_every_status_has_a_row_and_deleted_is_final():
    assert set(COMMENT_TRANSITIONS) == set(CommentStatus)
    assert COMMENT_TRANSITIONS[CommentStatus.DELETED] == frozenset()
    for status, targets in COMMENT_TRANSITIONS.items():
        assert status not in targets, f"{status} to itself is not a change"


@pytest.mark.parametrize("start", ALL)
@pytest.mark.parametrize("new", ALL)
def test_the_door_lets_through_exactly_the_table(start, new, massage):
    comment = posted(Target(procedure=massage), text="Was it cold?")
    comment.status = start
    comment.save()
    if new in COMMENT_TRANSITIONS[start]:
        _set_status(comment, new, reasons=["test"])
        comment.refresh_from_db()
        assert (comment.status, comment.reasons) == (new, ["test"])
    else:
        with pytest.raises(ApplicationError) as refused:
            _set_status(comment, new)
        assert refused.value.status == 409
        comment.refresh_from_db()
        assert comment.status == start


def test_a_second_approval_or_spam_verdict_changes_nothing(massage, mailoutbox):
    comment = approved(Target(procedure=massage), text="Was it cold?")
    changed_at = comment.status_changed_at
    comment_approve(comment=comment)
    comment_mark_spam(comment=comment, reason="ads")
    comment.refresh_from_db()
    assert comment.status == CommentStatus.SPAM
    assert comment.reasons[-1] == "moderator: ads"
    comment_mark_spam(comment=comment, reason="again")
    comment.refresh_from_db()
    assert comment.reasons[-1] == "moderator: ads"
    assert comment.status_changed_at >= changed_at


def test_hide_and_unhide_are_one_way_each(massage):
    comment = approved(Target(procedure=massage), text="Was it cold?")
    comment_hide(comment=comment, reason="hidden after reports from 3 established members")
    comment.refresh_from_db()
    assert comment.status == CommentStatus.HELD
    comment_hide(comment=comment, reason="again")  # not shown: nothing to hide
    comment.refresh_from_db()
    assert comment.reasons == ["hidden after reports from 3 established members"]
    comment_unhide(comment=comment)
    comment.refresh_from_db()
    assert (comment.status, comment.reasons) == (CommentStatus.APPROVED, [])


def test_a_deleted_comment_takes_no_verdict(massage, member):
    comment = approved(Target(procedure=massage), author=member, text="Was it cold?")
    comment_delete(comment=comment, by=member)
    comment.refresh_from_db()
    assert (comment.status, comment.body) == (CommentStatus.DELETED, "")
    for verdict in (comment_approve, lambda comment: comment_mark_spam(comment=comment, reason="")):
        with pytest.raises(NotFoundError):
            verdict(comment=comment)
    comment.refresh_from_db()
    assert comment.status == CommentStatus.DELETED


def test_a_stale_copy_never_writes_deleted_text_back(massage, member):
    """Reports hide the copy the report's request loaded; the author deleted the comment meanwhile."""
    from cryoview.comments.models import Comment

    comment = approved(Target(procedure=massage), author=member, text="Something I regret writing")
    stale = Comment.objects.get(pk=comment.pk)
    comment_delete(comment=comment, by=member)
    comment_hide(comment=stale, reason="hidden after reports from 3 established members")
    comment.refresh_from_db()
    assert (comment.status, comment.body, comment.body_html) == (CommentStatus.DELETED, "", "")


def test_a_held_comment_edited_and_held_again_shows_the_new_reason(massage, member):
    from cryoview.comments.services import comment_edit, comment_rules_update

    comment_rules_update(hold_words="voucher\ndiscount", block_words="", max_links=2, by=factory_moderator())
    comment = posted(Target(procedure=massage), author=member, text="Ask me for a voucher")
    assert comment.status == CommentStatus.HELD
    before = comment.status_changed_at
    comment_edit(comment=comment, by=member, text="Ask me for a discount")
    comment.refresh_from_db()
    assert comment.status == CommentStatus.HELD and comment.body == "Ask me for a discount"
    assert comment.reasons and all(r.startswith("edited: ") for r in comment.reasons)
    assert comment.status_changed_at >= before
