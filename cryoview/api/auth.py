from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from ninja.security import HttpBearer

from cryoview.accounts.authentication import user_for_bearer_token
from cryoview.api.problems import problem
from cryoview.core.csrf import CSRF_FAILED, session_csrf_failed


class BearerToken(HttpBearer):
    """Personal API tokens: Authorization: Bearer cv_…; revoked tokens are refused. Handlers that also accept the
    session use accounts.authentication.authenticate_request, as the pages do."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_bearer_token(token)
        if user is not None:
            request.user = user
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
