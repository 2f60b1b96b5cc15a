from __future__ import annotations

from django.db.models import QuerySet

from cryoview.accounts.models import TOKEN_PREFIX, ApiToken, User, token_digest


def token_list_for_user(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")


def token_find_active(*, secret: str) -> ApiToken | None:
    """The active token whose secret this is, with its user, or None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    return (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )


def member_stand_in(name: str) -> User:
    """An unsaved plain member called `name` (id 0, which no row has, so nothing is theirs): whom the members'
    shared rendering of a page is made for (`core.pagecache.for_members`) before each member's name is filled in."""
    return User(pk=0, email=f"{name}@invalid", display_name=name)
