from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from cryoview.accounts.enums import Role
from cryoview.accounts.models import TOKEN_PREFIX, ApiToken, User, token_digest
from cryoview.core.errors import ApplicationError, NotFoundError

MAX_ACTIVE_TOKENS = 20


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown to the user once, never stored


def token_issue(*, user: User, name: str) -> IssuedToken:
    """Create a personal API token. Side effects: one ApiToken row (digest only)."""
    name = name.strip()
    if not name or len(name) > 80:
        raise ApplicationError("Give the token a name of 1 to 80 characters.", code="invalid_name")
    if user.api_tokens.filter(revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise ApplicationError(f"You have {MAX_ACTIVE_TOKENS} active tokens; revoke one first.", code="too_many_tokens")
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, prefix=prefix, digest=token_digest(secret))
    return IssuedToken(token=token, secret=secret)


def token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's tokens (idempotent). Side effects: sets revoked_at."""
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise NotFoundError("No such token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_touch(*, token: ApiToken) -> None:
    """Note when a token was last used, at most once a minute. Side effects: updates last_used_at."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


def user_set_role(*, user: User, role: Role) -> User:
    """Give a user a role. Side effects: updates role, is_staff and is_superuser (staff may use the admin)."""
    user.role = role
    user.is_staff = role != Role.MEMBER
    user.is_superuser = role == Role.ADMIN
    user.save(update_fields=["role", "is_staff", "is_superuser"])
    return user


def user_update_profile(*, user: User, display_name: str, notify_review_comments: bool | None = None) -> User:
    """Change how the user is shown and whether comments under their reviews are e-mailed to them.
    Side effects: updates display_name (and notify_review_comments when given)."""
    user.display_name = display_name.strip()
    fields = ["display_name"]
    if notify_review_comments is not None:
        user.notify_review_comments = notify_review_comments
        fields.append("notify_review_comments")
    user.save(update_fields=fields)
    return user
