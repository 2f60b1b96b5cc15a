"""Who may do what with a review: pages, API handlers and services ask these, never decide inline.

Every predicate takes the user (None for a visitor) and the review, and answers True or False; the edge turns a
False into 404 where a review must not be known to exist, as `review_get_for` does.
"""

from __future__ import annotations

from cryoview.accounts.models import User
from cryoview.accounts.permissions import can_moderate, is_same_person
from cryoview.reviews.enums import Actor
from cryoview.reviews.models import Review


def is_review_author(user: User | None, review: Review) -> bool:
    return is_same_person(user, review.author_id)


def can_see_review(user: User | None, review: Review) -> bool:
    """Published and not hidden: everyone. Otherwise its author (until withdrawn) and moderators."""
    if review.is_visible or can_moderate(user):
        return True
    return is_review_author(user, review) and not review.is_withdrawn


def can_see_review_in_private(user: User | None, review: Review) -> bool:
    """What only the author and moderators see: follow-ups awaiting or refused, the video before publication."""
    return is_review_author(user, review) or can_moderate(user)


def can_edit_review(user: User | None, review: Review) -> bool:
    """Change, follow up or withdraw: its author, until it is withdrawn (whether the state allows the change
    is the transition table's answer, review_set_state)."""
    return is_review_author(user, review) and not review.is_withdrawn


def can_report_review(user: User | None, review: Review) -> bool:
    """Anyone, visitor or member, may report what everyone sees (whose reports count towards hiding it is
    moderation's rule)."""
    return review.is_visible


def can_act_as(user: User | None, review: Review, actor: Actor) -> bool:
    """Whether `user` may make a transition that the table gives to `actor` (None: no person, the reports)."""
    if actor == Actor.AUTHOR:
        return is_review_author(user, review)
    if actor == Actor.MODERATOR:
        return can_moderate(user)
    return user is None
