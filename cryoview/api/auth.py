from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from ninja.security import HttpBearer

from cryoview.accounts.models import User
from cryoview.accounts.selectors import token_find_active
from cryoview.accounts.services import token_touch
from cryoview.api.problems import problem
from cryoview.core.csrf import CSRF_FAILED, has_bearer_token, session_csrf_failed
from cryoview.core.errors import ApplicationError


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

    A session-authenticated unsafe request must carry the CSRF token (X-CSRFToken), as forms do; without it the
    request is refused with 403, never treated as a visitor's (which would let a forged request through).
    """
    if has_bearer_token(request):
        found = token_find_active(secret=request.headers["Authorization"][7:].strip())
        if found is None:
            return None
        token_touch(token=found)
        return found.user
    if session_csrf_failed(request):
        raise ApplicationError(CSRF_FAILED, status=403, code="csrf_failed")
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        return None
    return user


def require_session_csrf(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Wraps every API operation (NinjaAPI.add_decorator): an unsafe request with the session cookie and no Bearer
    token must pass the CSRF check before anything else happens, whether or not the handler looks at the user."""

    @wraps(run)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if session_csrf_failed(request):
            return problem(403, CSRF_FAILED, code="csrf_failed")
        return run(request, *args, **kwargs)

    return checked
