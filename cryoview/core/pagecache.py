"""Whole responses for visitors, kept until what they show changes.

Most readers of a guide have no account and no session: for them a page is the same for everyone, so it is
rendered once per *generation* of its scope (e.g. "procedure:facial-cryomassage") and served from the cache
until a write bumps the generation (a review published, withdrawn, hidden...). Anyone with a session (signed
in, or with a pending message) or a token always gets a fresh render.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from cryoview.core.formstamp import form_tokens_html

PAGE_SECONDS = 300  # a safety net: changes that do not bump a generation show after this long
MESSAGES_COOKIE = "messages"
COMMENTER_COOKIE = "cryoview_commenter"  # a guest's "remember me": their name is filled into forms
# Forms on cached pages carry this marker instead of their CSRF token and stamp; each response gets its own.
LATE_TOKENS = b"<!--cryoview:form-tokens-->"
_LATE_ATTRIBUTE = "cryoview_late_tokens"


def _generation_key(scope: str) -> str:
    return f"generation:{scope}"


def bump(scope: str) -> None:
    """Everything cached for `scope` is stale from now on. A new value each time, so no increment race."""
    cache.set(_generation_key(scope), time.time_ns(), timeout=None)


def is_visitor(request: HttpRequest) -> bool:
    """No session, no token, no pending message: the page cannot depend on who asks."""
    return (
        request.method in ("GET", "HEAD")
        and "Authorization" not in request.headers
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and MESSAGES_COOKIE not in request.COOKIES
        and COMMENTER_COOKIE not in request.COOKIES
    )


def tokens_filled_late(request: HttpRequest) -> bool:
    """True while rendering a page that for_visitors may store: forms must use the LATE_TOKENS marker."""
    return bool(getattr(request, _LATE_ATTRIBUTE, False))


def _fill_tokens(request: HttpRequest, content: bytes) -> bytes:
    if LATE_TOKENS not in content:
        return content
    return content.replace(LATE_TOKENS, form_tokens_html(request).encode())


def _page_key(request: HttpRequest) -> str:
    query = hashlib.sha256(request.META.get("QUERY_STRING", "").encode()).hexdigest()[:24]
    return f"page:{request.path}:{query}"


def storable(request: HttpRequest, response: HttpResponseBase) -> bool:
    """Only a plain 200 that set no cookie and used no CSRF token is the same for every visitor."""
    return (
        response.status_code == 200
        and isinstance(response, HttpResponse)
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


def for_visitors(request: HttpRequest, scope: str, render: Callable[[], HttpResponseBase]) -> HttpResponseBase:
    """A visitor gets the stored response while `scope`'s generation is unchanged; everyone else, and a
    visitor after a change, a fresh `render()`. One cache read for both the generation and the page."""
    if not is_visitor(request):
        return render()
    generation_key, page_key = _generation_key(scope), _page_key(request)
    found = cache.get_many([generation_key, page_key])
    current = found.get(generation_key, 0)
    stored = found.get(page_key)
    if stored is not None and stored[0] == current:
        return HttpResponse(_fill_tokens(request, stored[2]), content_type=stored[1])
    setattr(request, _LATE_ATTRIBUTE, True)
    response = render()
    if storable(request, response):
        assert isinstance(response, HttpResponse)
        cache.set(page_key, (current, response["Content-Type"], response.content), timeout=PAGE_SECONDS)
    if isinstance(response, HttpResponse) and not response.streaming:
        response.content = _fill_tokens(request, response.content)
    return response
