"""The role predicates every app's permissions build on: a table of roles and answers."""

from __future__ import annotations

import pytest

from cryoview.accounts.enums import Role
from cryoview.accounts.models import User
from cryoview.accounts.permissions import can_edit_guides, can_moderate, is_same_person


def person(role: Role, pk: int = 1) -> User:
    return User(pk=pk, email=f"{role}@example.org", role=role)


@pytest.mark.parametrize(
    ("role", "moderates", "edits"),
    [
        (Role.MEMBER, False, False),
        (Role.MODERATOR, True, False),
        (Role.EDITOR, False, True),
        (Role.ADMIN, True, True),
    ],
)
def test_roles(role, moderates, edits):
    assert can_moderate(person(role)) is moderates
    assert can_edit_guides(person(role)) is edits


def test_a_visitor_may_do_neither():
    assert can_moderate(None) is False
    assert can_edit_guides(None) is False


@pytest.mark.parametrize(
    ("user", "owner_id", "same"),
    [(person(Role.MEMBER, pk=7), 7, True), (person(Role.MEMBER, pk=7), 8, False), (None, 7, False)],
)
def test_is_same_person(user, owner_id, same):
    assert is_same_person(user, owner_id) is same


def test_nobody_owns_what_has_no_owner():
    assert is_same_person(person(Role.ADMIN, pk=1), None) is False
