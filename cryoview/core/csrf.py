"""CSRF for every state-changing request that carries a session, wherever it arrives (pages, API, tus).

Django's middleware checks the pages. The API and the tus endpoints are exempt from it, because API clients
authenticate with a Bearer token, which a browser never attaches on its own. A browser does attach the session
cookie to a cross-site request, so a request with that cookie and no Bearer token is checked here, exactly as
a form would be, and refused (never downgraded to a visitor's request) when the check fails.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CSRF_FAILED = (
    "This request carries a session cookie but no valid CSRF token: send the X-CSRFToken header (the csrftoken "
    "cookie's value) from this site's pages, or authenticate with Authorization: Bearer <token> instead."
)


def _checked(request: HttpRequest) -> HttpResponse:  # the "view" CsrfViewMiddleware inspects: never exempt
    return HttpResponse()


def has_bearer_token(request: HttpRequest) -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


def session_csrf_needed(request: HttpRequest) -> bool:
    """An unsafe request that a browser could have sent on its own: it has the session cookie, no token."""
    return (
        request.method not in SAFE_METHODS
        and settings.SESSION_COOKIE_NAME in request.COOKIES
        and not has_bearer_token(request)
    )


def session_csrf_failed(request: HttpRequest) -> bool:
    """True when the request needs the CSRF check (see session_csrf_needed) and fails it (Origin, token)."""
    if not session_csrf_needed(request):
        return False
    rejected = CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, _checked, (), {})
    return rejected is not None
