from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from ninja.security import HttpBearer

from cryoview.accounts.models import User
from cryoview.accounts.selectors import token_find_active
from cryoview.accounts.services import token_touch


class BearerToken(HttpBearer):
    """Personal API tokens: Authorization: Bearer cv_…; revoked tokens are refused."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_find_active(secret=token.strip())
        if found is None:
            return None
        token_touch(token=found)
        request.user = found.user
        return found.user


def authenticate_request(request: HttpRequest) -> User | None:
    """The same credentials as the API, for plain Django views: a Bearer token, or the session.

    A session-authenticated unsafe request must carry the CSRF token (X-CSRFToken), as forms do.
    """
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        found = token_find_active(secret=header[7:].strip())
        if found is None:
            return None
        token_touch(token=found)
        return found.user
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        return None
    if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
        rejected = CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, lambda r: r, (), {})
        if rejected is not None:
            return None
    return user
