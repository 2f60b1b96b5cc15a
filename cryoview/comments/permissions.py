"""Who may do what with a comment: pages, the API and services ask these, never decide inline.

Each predicate takes the user (None for a visitor or a guest) and the comment and answers True or False.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from cryoview.accounts.models import User
from cryoview.accounts.permissions import can_moderate, is_same_person
from cryoview.comments.enums import CommentStatus
from cryoview.comments.models import Comment

EDIT_MINUTES = 15

__all__ = [
    "EDIT_MINUTES",
    "can_change_comment",
    "can_delete_comment",
    "can_edit_comment",
    "can_moderate",
    "comment_editable",
    "is_comment_author",
    "is_trusted_commenter",
]


def is_comment_author(user: User | None, comment: Comment) -> bool:
    """A member's own comment (a guest's comment has no account, so nobody owns it after the fact)."""
    return is_same_person(user, comment.author_id)


def comment_editable(comment: Comment) -> bool:
    """Still open to its author's correction: shown or held, and posted less than EDIT_MINUTES ago."""
    window = timedelta(minutes=EDIT_MINUTES)
    return comment.status in (CommentStatus.APPROVED, CommentStatus.HELD) and (
        timezone.now() - comment.created_at < window
    )


def can_change_comment(user: User | None, comment: Comment) -> bool:
    """Its author may change it (edit in the window, or delete it) unless it went to the spam folder; a deleted
    comment is gone for everyone."""
    return is_comment_author(user, comment) and comment.status not in (CommentStatus.SPAM, CommentStatus.DELETED)


def can_edit_comment(user: User | None, comment: Comment) -> bool:
    """Its author, for EDIT_MINUTES after posting."""
    return can_change_comment(user, comment) and comment_editable(comment)


def can_delete_comment(user: User | None, comment: Comment) -> bool:
    """Its author at any time; a moderator (through a moderation decision) too."""
    if comment.status == CommentStatus.DELETED:
        return False
    return can_change_comment(user, comment) or can_moderate(user)


def is_trusted_commenter(user: User | None) -> bool:
    """Moderators' comments are never held as a first comment."""
    return can_moderate(user)
