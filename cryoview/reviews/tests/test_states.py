"""The one door for a review's state: every pair of states is either allowed (by the right person) or refused,
and a refusal changes nothing."""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Callable
from itertools import product
from pathlib import Path

import pytest
from django.forms.models import model_to_dict

from cryoview.accounts.models import User
from cryoview.core.errors import ApplicationError
from cryoview.procedures.models import Procedure
from cryoview.reviews.enums import REVIEW_TRANSITIONS, Actor, ReviewState
from cryoview.reviews.models import Review
from cryoview.reviews.services import (
    ReviewStateError,
    review_create,
    review_hide,
    review_reject,
    review_set_state,
    review_update,
    review_withdraw,
)
from cryoview.reviews.tests.factories import factory_moderator, pending_review, published_review, review_input
from cryoview.reviews.tests.test_pages import FORM

pytestmark = pytest.mark.django_db

S = ReviewState
# The specification, written out: if the table in enums.py changes, this must change with it, on purpose.
ALLOWED = {
    (S.DRAFT, S.PENDING): Actor.AUTHOR,
    (S.DRAFT, S.WITHDRAWN): Actor.AUTHOR,
    (S.PENDING, S.PUBLISHED): Actor.MODERATOR,
    (S.PENDING, S.REJECTED): Actor.MODERATOR,
    (S.PENDING, S.WITHDRAWN): Actor.AUTHOR,
    (S.PUBLISHED, S.PENDING_EDIT): Actor.AUTHOR,
    (S.PUBLISHED, S.HIDDEN): Actor.REPORTS,
    (S.PUBLISHED, S.REJECTED): Actor.MODERATOR,
    (S.PUBLISHED, S.WITHDRAWN): Actor.AUTHOR,
    (S.PENDING_EDIT, S.PENDING_EDIT): Actor.AUTHOR,
    (S.PENDING_EDIT, S.PUBLISHED): Actor.MODERATOR,
    (S.PENDING_EDIT, S.HIDDEN): Actor.REPORTS,
    (S.PENDING_EDIT, S.REJECTED): Actor.MODERATOR,
    (S.PENDING_EDIT, S.WITHDRAWN): Actor.AUTHOR,
    (S.HIDDEN, S.PUBLISHED): Actor.MODERATOR,
    (S.HIDDEN, S.REJECTED): Actor.MODERATOR,
    (S.HIDDEN, S.WITHDRAWN): Actor.AUTHOR,
    (S.REJECTED, S.PENDING): Actor.AUTHOR,
    (S.REJECTED, S.WITHDRAWN): Actor.AUTHOR,
}
ALL_PAIRS = list(product(ReviewState, ReviewState))


def _edit() -> dict[str, object]:
    return {**dataclasses.asdict(review_input(title="An edited title")), "cost_amount": "120.00"}


def _in_state(state: ReviewState, procedure: Procedure, author: User) -> Review:
    """A review brought to `state` through the real services, as the product would."""
    if state == S.DRAFT:
        return review_create(author=author, procedure=procedure, data=review_input(), consent=False, submit=False)
    if state == S.PENDING:
        return pending_review(procedure, author)
    if state == S.REJECTED:
        review = pending_review(procedure, author)
        review_reject(review=review, by=factory_moderator(), reason="Please remove the clinic's phone number.")
        return review
    review = published_review(procedure, author)
    if state == S.PENDING_EDIT:
        review_update(review=review, by=author, data=review_input(title="An edited title"))
    elif state == S.HIDDEN:
        review_hide(review=review)
    elif state == S.WITHDRAWN:
        review_withdraw(review=review, by=author)
    return review


def _person(actor: Actor, author: User, moderator: User) -> User | None:
    return {Actor.AUTHOR: author, Actor.MODERATOR: moderator, Actor.REPORTS: None}[actor]


def _stored(review: Review) -> dict[str, object]:
    return model_to_dict(Review.objects.get(pk=review.pk))


def test_the_table_is_the_specification():
    table = {(a, b): who for a, targets in REVIEW_TRANSITIONS.items() for b, who in targets.items()}
    assert table == ALLOWED
    assert set(REVIEW_TRANSITIONS) == set(ReviewState), "every state has a row, even if it is final"


@pytest.mark.parametrize(("current", "new"), ALL_PAIRS, ids=[f"{a}->{b}" for a, b in ALL_PAIRS])
def test_every_pair_is_allowed_or_refused(massage, member, moderator, current, new):
    review = _in_state(current, massage, member)
    assert review.state == current
    edit = _edit() if new == S.PENDING_EDIT else None
    if (current, new) in ALLOWED:
        by = _person(ALLOWED[current, new], member, moderator)
        review_set_state(review, new, by=by, reason="A reason the author reads.", edit=edit)
        assert review.state == new
        assert Review.objects.get(pk=review.pk).state == new, "the change is stored"
        return
    before = _stored(review)
    for by in (member, moderator, None):  # nobody can make a refused change
        with pytest.raises(ReviewStateError) as refused:
            review_set_state(review, new, by=by, reason="A reason the author reads.", edit=edit)
        assert refused.value.status == 409
        assert f"cannot become “{new.label}”" in refused.value.message
    assert _stored(review) == before, "a refused change leaves the review as it was"


@pytest.mark.parametrize(("current", "new"), list(ALLOWED), ids=[f"{a}->{b}" for a, b in ALLOWED])
def test_an_allowed_change_by_the_wrong_person_is_forbidden(massage, member, other_member, moderator, current, new):
    review = _in_state(current, massage, member)
    before = _stored(review)
    wrong: list[User | None] = {
        Actor.AUTHOR: [other_member, moderator, None],
        Actor.MODERATOR: [member, other_member, None],
        Actor.REPORTS: [member, moderator],
    }[ALLOWED[current, new]]
    edit = _edit() if new == S.PENDING_EDIT else None
    for by in wrong:
        with pytest.raises(ReviewStateError) as forbidden:
            review_set_state(review, new, by=by, reason="A reason.", edit=edit)
        assert forbidden.value.status == 403
    assert _stored(review) == before


def test_a_refusal_names_where_the_review_can_go(massage, warts, member, moderator):
    review = _in_state(S.DRAFT, massage, member)
    with pytest.raises(ReviewStateError) as refused:
        review_set_state(review, S.PUBLISHED, by=moderator)
    assert refused.value.message == (
        "A review that is “Draft” cannot become “Published”; it can become “Awaiting moderation”, “Withdrawn”."
    )
    withdrawn = _in_state(S.WITHDRAWN, warts, member)
    with pytest.raises(ReviewStateError, match="nothing else"):
        review_set_state(withdrawn, S.PENDING, by=member)


def test_rejecting_needs_a_reason_the_author_reads(massage, member, moderator):
    review = _in_state(S.PENDING, massage, member)
    with pytest.raises(ApplicationError) as missing:
        review_set_state(review, S.REJECTED, by=moderator, reason="  ")
    assert missing.value.problems[0].field == "reason"
    assert Review.objects.get(pk=review.pk).state == S.PENDING


BOOKKEEPING: list[tuple[ReviewState, ReviewState, Callable[[Review], bool]]] = [
    (S.PENDING, S.PUBLISHED, lambda r: r.published_at is not None and r.is_visible),
    (S.DRAFT, S.PENDING, lambda r: r.submitted_at is not None and r.rejection_reason == ""),
    (S.REJECTED, S.PENDING, lambda r: r.rejection_reason == ""),
    (S.PUBLISHED, S.HIDDEN, lambda r: r.hidden_at is not None and not r.is_visible),
    (S.HIDDEN, S.PUBLISHED, lambda r: r.hidden_at is None and r.is_visible),
    (S.PUBLISHED, S.REJECTED, lambda r: r.rejection_reason == "A reason the author reads." and not r.has_video),
    (S.PENDING_EDIT, S.PUBLISHED, lambda r: r.pending_edit is None and r.edit_rejection_reason != ""),
    (S.PENDING_EDIT, S.HIDDEN, lambda r: r.pending_edit is not None and r.is_hidden),
    (S.PUBLISHED, S.WITHDRAWN, lambda r: r.withdrawn_at is not None and r.body == "" and r.video_id is None),
]


@pytest.mark.parametrize(("current", "new", "check"), BOOKKEEPING, ids=[f"{a}->{b}" for a, b, _ in BOOKKEEPING])
def test_the_bookkeeping_of_each_change_happens_in_the_one_door(massage, member, moderator, current, new, check):
    review = _in_state(current, massage, member)
    review_set_state(
        review, new, by=_person(ALLOWED[current, new], member, moderator), reason="A reason the author reads."
    )
    assert check(Review.objects.get(pk=review.pk))


def test_a_hidden_review_cannot_be_edited_until_a_moderator_decides(massage, member):
    review = _in_state(S.HIDDEN, massage, member)
    before = _stored(review)
    with pytest.raises(ReviewStateError, match="hidden after reports until a moderator decides"):
        review_update(review=review, by=member, data=review_input(title="Quietly changed"))
    assert _stored(review) == before


STATE_FIELDS = {"status", "hidden_at", "pending_edit_at", "submitted_at", "published_at", "withdrawn_at"}
THE_DOOR = re.compile(r"^(_enter_[a-z_]+|_edit_settle)$")  # review_set_state's bookkeeping


def _writes_in(source: str, name: str) -> list[str]:
    """Assignments to a review's state fields (`review.status = ...`) in any function but the door's own."""
    found = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) or THE_DOOR.match(function.name):
            continue
        for node in ast.walk(function):
            for target in node.targets if isinstance(node, ast.Assign) else []:
                for item in target.elts if isinstance(target, ast.Tuple) else [target]:
                    if (
                        isinstance(item, ast.Attribute)
                        and item.attr in STATE_FIELDS
                        and isinstance(item.value, ast.Name)
                        and "review" in item.value.id
                    ):
                        found.append(f"{name}:{item.lineno} in {function.name}")
    return found


def test_no_review_state_is_written_outside_review_set_state():
    code = Path(__file__).resolve().parents[2]
    files = [p for p in code.rglob("*.py") if "tests" not in p.parts and "migrations" not in p.parts]
    assert len(files) > 100
    assert [hit for p in files for hit in _writes_in(p.read_text(encoding="utf-8"), p.name)] == []


def test_the_door_check_sees_a_write_elsewhere_and_not_in_the_door():
    sneak = "def sneak(review):\n    review.status, review.hidden_at = 'published', None\n"
    assert _writes_in(sneak, "planted.py") == ["planted.py:2 in sneak", "planted.py:2 in sneak"]
    door = "def _enter_published(review):\n    review.status = 'published'\n"
    assert _writes_in(door, "planted.py") == []


def test_pages_and_the_api_meet_the_same_door(client, massage, member):
    from cryoview.accounts.services import token_issue

    review = _in_state(S.HIDDEN, massage, member)
    before = _stored(review)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=member, name='states').secret}"}
    api = client.patch(f"/api/v1/reviews/{review.pk}", {"title": "Quietly"}, content_type="application/json", **bearer)
    assert api.status_code == 409
    assert "hidden after reports" in api.json()["detail"]
    client.force_login(member)
    page = client.post(f"/reviews/{review.pk}/edit/", {**FORM, "title": "Quietly", "action": "submit"})
    assert page.status_code == 422
    assert "hidden after reports" in page.text
    assert _stored(review) == before
