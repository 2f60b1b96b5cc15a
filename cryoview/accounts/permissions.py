"""Who may do what, by role: the predicates every app's permissions build on (clinic staff will join them).

Each takes the user or None (a visitor) and answers True or False; pages and API handlers call the same ones.
"""

from __future__ import annotations

from cryoview.accounts.models import User


def can_moderate(user: User | None) -> bool:
    """Moderators and admins decide what is published, hidden or deleted."""
    return user is not None and user.is_authenticated and user.is_moderator


def can_edit_guides(user: User | None) -> bool:
    """Editors and admins change the guides (in /admin/)."""
    return user is not None and user.is_authenticated and user.is_editor


def is_same_person(user: User | None, owner_id: int | None) -> bool:
    """The signed-in user is the owner of something (a visitor owns nothing; a deleted owner is None)."""
    return user is not None and owner_id is not None and user.pk == owner_id
