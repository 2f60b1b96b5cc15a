"""Moderation's pages and API ask one predicate: moderators and admins, nobody else."""

from __future__ import annotations

import pytest

from cryoview.accounts.enums import Role
from cryoview.accounts.models import User
from cryoview.moderation.permissions import can_moderate


@pytest.mark.parametrize(
    ("role", "answer"), [(Role.MEMBER, False), (Role.EDITOR, False), (Role.MODERATOR, True), (Role.ADMIN, True)]
)
def test_who_moderates(role, answer):
    assert can_moderate(User(pk=1, email="someone@example.org", role=role)) is answer


def test_a_visitor_does_not_moderate():
    assert can_moderate(None) is False


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/moderation/", "/moderation/log/", "/moderation/spam/"])
def test_pages_and_api_refuse_a_member_and_admit_a_moderator(client, member, moderator, path):
    client.force_login(member)
    assert client.get(path).status_code == 404  # the queue's existence is not advertised
    assert client.get("/api/v1/moderation/queue").status_code == 403
    client.force_login(moderator)
    assert client.get(path).status_code == 200
    assert client.get("/api/v1/moderation/queue").status_code == 200
