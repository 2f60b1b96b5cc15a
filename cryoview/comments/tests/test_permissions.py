"""Who may do what with a comment: its author (edit within the window, delete at any time), moderators."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cryoview.accounts.enums import Role
from cryoview.accounts.models import User
from cryoview.comments.enums import CommentStatus
from cryoview.comments.models import Comment
from cryoview.comments.permissions import (
    EDIT_MINUTES,
    can_change_comment,
    can_delete_comment,
    can_edit_comment,
    is_comment_author,
    is_trusted_commenter,
)

AUTHOR = User(pk=1, email="author@example.org", role=Role.MEMBER)
OTHER = User(pk=2, email="other@example.org", role=Role.MEMBER)
MODERATOR = User(pk=3, email="moderator@example.org", role=Role.MODERATOR)


def comment(status: CommentStatus, *, minutes_old: int = 1, author: User | None = AUTHOR) -> Comment:
    return Comment(
        author_id=author.pk if author else None,
        status=status,
        created_at=timezone.now() - timedelta(minutes=minutes_old),
    )


# status: (author changes, author edits now, author deletes, moderator deletes)
TABLE = {
    CommentStatus.APPROVED: (True, True, True, True),
    CommentStatus.HELD: (True, True, True, True),
    CommentStatus.SPAM: (False, False, False, True),
    CommentStatus.DELETED: (False, False, False, False),
}


@pytest.mark.parametrize("status", list(CommentStatus))
def test_the_author_and_moderators(status):
    item = comment(status)
    answers = (
        can_change_comment(AUTHOR, item),
        can_edit_comment(AUTHOR, item),
        can_delete_comment(AUTHOR, item),
        can_delete_comment(MODERATOR, item),
    )
    assert answers == TABLE[status]


@pytest.mark.parametrize("status", list(CommentStatus))
def test_another_member_and_a_visitor_may_do_nothing(status):
    item = comment(status)
    for user in (OTHER, None):
        assert not can_change_comment(user, item)
        assert not can_edit_comment(user, item)
        assert not can_delete_comment(user, item)


def test_the_edit_window_closes_but_deleting_stays_open():
    late = comment(CommentStatus.APPROVED, minutes_old=EDIT_MINUTES + 1)
    assert can_edit_comment(AUTHOR, late) is False
    assert can_delete_comment(AUTHOR, late) is True


def test_a_guests_comment_belongs_to_no_account():
    guest = comment(CommentStatus.APPROVED, author=None)
    assert not is_comment_author(AUTHOR, guest)
    assert not can_edit_comment(AUTHOR, guest)
    assert can_delete_comment(MODERATOR, guest)


def test_only_moderators_skip_the_first_comment_hold():
    assert [is_trusted_commenter(u) for u in (AUTHOR, MODERATOR, None)] == [False, True, False]
