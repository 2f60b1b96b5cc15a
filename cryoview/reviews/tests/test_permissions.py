"""Who may do what with a review: every predicate, for the author, another member, a moderator and a visitor,
in every state."""

from __future__ import annotations

import pytest
from django.utils import timezone

from cryoview.accounts.enums import Role
from cryoview.accounts.models import User
from cryoview.reviews.enums import Actor, ReviewState, ReviewStatus
from cryoview.reviews.models import Review
from cryoview.reviews.permissions import (
    can_act_as,
    can_edit_review,
    can_report_review,
    can_see_review,
    can_see_review_in_private,
    is_review_author,
)

AUTHOR = User(pk=1, email="author@example.org", role=Role.MEMBER)
OTHER = User(pk=2, email="other@example.org", role=Role.MEMBER)
MODERATOR = User(pk=3, email="moderator@example.org", role=Role.MODERATOR)
PEOPLE = {"author": AUTHOR, "other": OTHER, "moderator": MODERATOR, "visitor": None}


def review_in(state: ReviewState) -> Review:
    review = Review(author_id=AUTHOR.pk, status=ReviewStatus.PUBLISHED)
    if state == ReviewState.HIDDEN:
        review.hidden_at = timezone.now()
    elif state == ReviewState.PENDING_EDIT:
        review.pending_edit = {"title": "edited"}
    elif state != ReviewState.PUBLISHED:
        review.status = ReviewStatus(state.value)
    assert review.state == state
    return review


# state: who sees it (author, other, moderator, visitor)
SEE = {
    ReviewState.DRAFT: (True, False, True, False),
    ReviewState.PENDING: (True, False, True, False),
    ReviewState.PUBLISHED: (True, True, True, True),
    ReviewState.PENDING_EDIT: (True, True, True, True),
    ReviewState.HIDDEN: (True, False, True, False),
    ReviewState.REJECTED: (True, False, True, False),
    ReviewState.WITHDRAWN: (False, False, True, False),
}


@pytest.mark.parametrize("state", list(ReviewState))
def test_who_sees_a_review(state):
    assert tuple(can_see_review(user, review_in(state)) for user in PEOPLE.values()) == SEE[state]


@pytest.mark.parametrize("state", list(ReviewState))
def test_only_its_author_edits_and_never_once_withdrawn(state):
    review = review_in(state)
    assert can_edit_review(AUTHOR, review) is (state != ReviewState.WITHDRAWN)
    for user in (OTHER, MODERATOR, None):
        assert can_edit_review(user, review) is False


@pytest.mark.parametrize("state", list(ReviewState))
def test_the_private_parts_are_for_the_author_and_moderators(state):
    review = review_in(state)
    answers = {name: can_see_review_in_private(user, review) for name, user in PEOPLE.items()}
    assert answers == {"author": True, "other": False, "moderator": True, "visitor": False}


@pytest.mark.parametrize("state", list(ReviewState))
def test_anyone_reports_what_everyone_sees(state):
    visible = state in (ReviewState.PUBLISHED, ReviewState.PENDING_EDIT)
    for user in PEOPLE.values():
        assert can_report_review(user, review_in(state)) is visible


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        (Actor.AUTHOR, {"author"}),
        (Actor.MODERATOR, {"moderator"}),
        (Actor.REPORTS, {"visitor"}),  # no person: the reports themselves
    ],
)
def test_who_acts_as_which_actor(actor, allowed):
    review = review_in(ReviewState.PUBLISHED)
    assert {name for name, user in PEOPLE.items() if can_act_as(user, review, actor)} == allowed


def test_the_author_is_the_author():
    review = review_in(ReviewState.PUBLISHED)
    assert [name for name, user in PEOPLE.items() if is_review_author(user, review)] == ["author"]
