"""Who is asking: the same credentials for pages and the API (a personal Bearer token, or the session).

It lives in accounts, below every app, so page views and API handlers share it and no page imports the API.
"""

from __future__ import annotations

from django.http import HttpRequest

from cryoview.accounts.models import User
from cryoview.accounts.selectors import token_find_active
from cryoview.accounts.services import token_touch
from cryoview.core.csrf import CSRF_FAILED, has_bearer_token, session_csrf_failed
from cryoview.core.errors import ApplicationError


def user_for_bearer_token(secret: str) -> User | None:
    """The owner of an active personal token (its last use is recorded), or None for an unknown or revoked one."""
    found = token_find_active(secret=secret.strip())
    if found is None:
        return None
    token_touch(token=found)
    return found.user


def authenticate_request(request: HttpRequest) -> User | None:
    """The same credentials as the API, for plain Django views: a Bearer token, or the session.

    A session-authenticated unsafe request must carry the CSRF token (X-CSRFToken), as forms do; without it the
    request is refused with 403, never treated as a visitor's (which would let a forged request through).
    """
    if has_bearer_token(request):
        return user_for_bearer_token(request.headers["Authorization"][7:])
    if session_csrf_failed(request):
        raise ApplicationError(CSRF_FAILED, status=403, code="csrf_failed")
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        return None
    return user
