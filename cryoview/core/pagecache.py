"""Whole responses for visitors, kept until what they show changes.

Most readers of a guide have no account and no session: for them a page is the same for everyone, so it is
rendered once per *generation* of its scope (e.g. "procedure:facial-cryomassage") and served from the cache
until a write bumps the generation (a review published, withdrawn, hidden...). Anyone with a session (signed
in, or with a pending message) or a token always gets a fresh render.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
import zlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.core.signals import request_finished, request_started
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import get_token
from django.utils.cache import patch_cache_control
from django.utils.html import escape, format_html

from cryoview.core.formstamp import form_tokens_html
from cryoview.core.sessions import cached_with_session, read_with_session
from cryoview.core.templatetags.words import sentence_end

PAGE_SECONDS = 300  # a safety net: changes that do not bump a generation show after this long
MESSAGES_COOKIE = "messages"
COMMENTER_COOKIE = "cryoview_commenter"  # a guest's "remember me": their name is filled into forms
# The ids of a guest's comments still waiting for a moderator: the thread shows them to this browser only.
PENDING_COOKIE = "cryoview_pending"
PERSONAL_COOKIES = (MESSAGES_COOKIE, COMMENTER_COOKIE, PENDING_COOKIE)
# Forms on cached pages carry this marker instead of their form stamp; each response gets its own.
LATE_TOKENS = b"<!--cryoview:form-tokens-->"
_LATE_ATTRIBUTE = "cryoview_late_tokens"


# This process's copies (a few hundred pages at most); always checked against the shared generation.
_process_pages = LocMemCache("cryoview-visitor-pages", {"TIMEOUT": PAGE_SECONDS, "OPTIONS": {"MAX_ENTRIES": 400}})
# Parts of pages and answers that are the same for everyone who may see them, members included (a list of
# reviews, a guide's numbers): this process's copies, per generation of their scope.
_process_parts = LocMemCache("cryoview-scoped-parts", {"TIMEOUT": PAGE_SECONDS, "OPTIONS": {"MAX_ENTRIES": 1000}})


def _short(text: str) -> str:
    """A key part that fits the database cache's 255-character keys whatever a path holds (a hostile slug)."""
    return text if len(text) <= 120 else "#" + hashlib.sha256(text.encode()).hexdigest()


def _generation_key(scope: str) -> str:
    return f"generation:{_short(scope)}"


# Within one request each scope's generation is read from the shared cache once: a page of several kept
# parts costs one read, and its parts agree with one another. Outside requests (the worker) nothing is kept.
_request = threading.local()


def _request_begins(**_: Any) -> None:
    _request.generations = {}


def _request_ends(**_: Any) -> None:
    _request.generations = None


request_started.connect(_request_begins, dispatch_uid="cryoview.core.pagecache.begins")
request_finished.connect(_request_ends, dispatch_uid="cryoview.core.pagecache.ends")


def _generation(key: str) -> int:
    """The scope's current generation. A missing one (never set, or the shared cache was emptied) starts as
    a new value, so a page a process kept from before can never match it."""
    memo: dict[str, int] | None = getattr(_request, "generations", None)
    if memo is not None and key in memo:
        return memo[key]
    current = cache.get(key)
    if current is None:
        cache.add(key, time.time_ns(), timeout=None)
        current = cache.get(key)
    if current is None:
        # The shared cache keeps nothing (Redis is down): a value no kept page or part has, so this request
        # renders fresh rather than serve what a change it cannot see has made stale.
        current = time.time_ns()
    if memo is not None:
        memo[key] = int(current)
    return int(current)


def _read_generations(scopes: list[str]) -> None:
    """This request's generations of `scopes`, read from the shared cache in one round trip and kept for the
    rest of the request (a page that needs several pays one read, not one each). Outside requests: nothing."""
    memo: dict[str, int] | None = getattr(_request, "generations", None)
    if memo is None:
        return
    missing = [key for key in map(_generation_key, scopes) if key not in memo]
    if len(missing) > 1:
        memo.update((key, int(value)) for key, value in cache.get_many(missing).items() if value is not None)


def generation(scope: str) -> int:
    """The scope's current generation: a key part for anything cached until the scope changes."""
    return _generation(_generation_key(scope))


def per_generation[T](scope: str, key: str, build: Callable[[], T]) -> T:
    """`build()`, run once per generation of `scope` in each process and kept in its memory: for what does
    not depend on who asks (a rendered list of reviews, a guide's numbers, the procedure a page shows), so
    that signed-in members, who never get visitors' whole pages, do not pay for it on every request either.
    Costs one read of the generation. A None is not kept (a missing row may appear without a bump)."""
    current = generation(scope)
    part_key = f"{_short(scope)}:{_short(key)}"
    stored = _process_parts.get(part_key)
    if stored is not None and stored[0] == current:
        value: T = stored[1]
        return value
    value = build()
    if value is not None:
        _process_parts.set(part_key, (current, value), timeout=PAGE_SECONDS)
    return value


def bump(scope: str) -> None:
    """Everything cached for `scope` is stale from now on. A new value each time, so no increment race."""
    key, value = _generation_key(scope), time.time_ns()
    cache.set(key, value, timeout=None)
    memo: dict[str, int] | None = getattr(_request, "generations", None)
    if memo is not None:
        memo[key] = value


def is_visitor(request: HttpRequest) -> bool:
    """No session, no token, no pending message: the page cannot depend on who asks."""
    return (
        request.method in ("GET", "HEAD")
        and "Authorization" not in request.headers
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not any(name in request.COOKIES for name in PERSONAL_COOKIES)
    )


def tokens_filled_late(request: HttpRequest) -> bool:
    """True while rendering a page that for_visitors may store: forms must use the LATE_TOKENS marker."""
    return bool(getattr(request, _LATE_ATTRIBUTE, False))


def _fill_tokens(request: HttpRequest, content: bytes) -> bytes:
    if LATE_TOKENS not in content:
        return content
    # Visitors have no session for a forged request to ride on: their forms carry only the stamp, so a
    # cached page costs no CSRF token and sets no cookie. Views taking such forms check CSRF themselves
    # whenever there is a session.
    return content.replace(LATE_TOKENS, form_tokens_html(request, csrf=False).encode())


def _page_key(request: HttpRequest) -> str:
    query = hashlib.sha256(request.META.get("QUERY_STRING", "").encode()).hexdigest()[:24]
    return f"page:z:{_short(request.path)}:{query}"  # z: stored compressed


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
    visitor after a change, a fresh `render()`.

    Each web process keeps the pages it served in its own memory; the shared cache holds the generations
    (one small read per request) and a compressed copy of each page for the other processes."""
    if not is_visitor(request):
        return _personal(request, render())
    generation_key, page_key = _generation_key(scope), _page_key(request)
    current = _generation(generation_key)
    stored = _process_pages.get(page_key)
    if stored is None or stored[0] != current:
        shared = cache.get(page_key)
        if shared is not None and shared[0] == current:
            stored = (current, shared[1], zlib.decompress(shared[2]))
            _process_pages.set(page_key, stored, timeout=PAGE_SECONDS)
    if stored is not None and stored[0] == current:
        return HttpResponse(_fill_tokens(request, stored[2]), content_type=stored[1])
    setattr(request, _LATE_ATTRIBUTE, True)
    response = render()
    if storable(request, response):
        assert isinstance(response, HttpResponse)
        content_type, content = response["Content-Type"], response.content
        _process_pages.set(page_key, (current, content_type, content), timeout=PAGE_SECONDS)
        # Compressed: a guide page shrinks about fivefold, and the shared cache may be the database.
        cache.set(page_key, (current, content_type, zlib.compress(content, 1)), timeout=PAGE_SECONDS)
    if isinstance(response, HttpResponse) and not response.streaming:
        response.content = _fill_tokens(request, response.content)
    return response


def _personal(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """A page rendered for one browser (its own held comments, its name in the form) must not be kept by any
    cache on the way and handed to someone else."""
    if any(name in request.COOKIES for name in PERSONAL_COOKIES):
        patch_cache_control(response, private=True, no_store=True)
    return response


# --- Members' pages: one rendering per generation, with this process's secret placeholders -----------------------
#
# A plain member's page differs from another plain member's only in their name (the header, "Commenting as"), their
# CSRF token and their form stamp. It is rendered once per generation of its scope for a stand-in member whose
# name is MEMBER_NAME, a random value of this process that no one else knows (so no text a user wrote can hold
# it), its tokens turned into markers; each request fills in its own member's name and fresh tokens. A member
# whose page would show more (their own comments in the thread, moderation links, a flash message) gets a full
# render, as before. Checks of the apps above core (e.g. comments: "this member has comments in this thread")
# are registered by name with `register_personal_check` and named by the view.

MEMBER_NAME = f"cryoview-member-{secrets.token_hex(16)}"
_MEMBER_CSRF = f"<!--cryoview:csrf-{secrets.token_hex(8)}-->".encode()
_CSRF_INPUT = re.compile(rb'<input type="hidden" name="csrfmiddlewaretoken" value="[A-Za-z0-9]+">')
_MEMBER_SENTENCE = f"{MEMBER_NAME}</strong>{sentence_end(MEMBER_NAME)}".encode()

PersonalCheck = Callable[[HttpRequest, str], bool]
_personal_checks: dict[str, tuple[PersonalCheck, Callable[[str], tuple[str, ...]]]] = {}


def register_personal_check(
    name: str, check: PersonalCheck, *, scopes: Callable[[str], tuple[str, ...]] = lambda scope: ()
) -> None:
    """`check(request, scope)` is True when the signed-in member's page for `scope` shows something only they
    see (so the shared members' rendering cannot serve them). `scopes(scope)` names the scopes whose
    generations the check reads (e.g. through `per_generation`): read with the page's own in one round trip."""
    _personal_checks[name] = (check, scopes)


def _plain_member(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.method not in ("GET", "HEAD"):
        return False
    if "Authorization" in request.headers or MESSAGES_COOKIE in request.COOKIES:
        return False
    if user.is_staff or user.is_superuser or getattr(user, "is_moderator", True) or getattr(user, "is_editor", True):
        return False
    return "_messages" not in request.session


def _member_page_key(request: HttpRequest) -> str:
    """Apart from visitors' pages (never looked up for a member): this process's members' rendering."""
    query = hashlib.sha256(request.META.get("QUERY_STRING", "").encode()).hexdigest()[:24]
    return f"member-page:{_short(request.path)}:{query}"


def for_members(
    request: HttpRequest,
    scope: str,
    render: Callable[[], HttpResponseBase],
    *,
    stand_in: Callable[[str], Any],
    checks: tuple[str, ...] = (),
) -> HttpResponseBase:
    """A plain signed-in member gets the members' rendering of this page for `scope`'s current generation with
    their own name and tokens filled in; anyone else a fresh `render()` (visitors: see `for_visitors`).
    `stand_in(name)` builds the unsaved member the shared rendering is made for (an id no row has: nothing is
    theirs)."""
    scopes = [scope, *(extra for name in checks for extra in _personal_checks[name][1](scope))]
    memo: dict[str, int] | None = getattr(_request, "generations", None)
    if memo is not None:
        # The generations come with the session (and the member's row) in one statement when the shared cache is
        # a table of the same database: a signed-in page costs one round trip, as a visitor's does.
        read_with_session(request, [key for key in map(_generation_key, scopes) if key not in memo])
    plain = _plain_member(request)
    if memo is not None:
        memo.update((key, int(value)) for key, value in cached_with_session(request).items() if key not in memo)
    if not plain:
        return render()
    _read_generations(scopes)
    if any(_personal_checks[name][0](request, scope) for name in checks):
        return render()
    current = generation(scope)
    key = _member_page_key(request)
    stored = _process_pages.get(key)
    if stored is None or stored[0] != current:
        real_user = request.user
        request.user = stand_in(MEMBER_NAME)
        setattr(request, _LATE_ATTRIBUTE, True)
        try:
            response = render()
        finally:
            request.user = real_user
            setattr(request, _LATE_ATTRIBUTE, False)
        if response.status_code != 200 or not isinstance(response, HttpResponse) or response.cookies:
            return render()  # an error page or anything unusual: this member's own rendering
        content = _CSRF_INPUT.sub(_MEMBER_CSRF, response.content)
        stored = (current, response["Content-Type"], content)
        _process_pages.set(key, stored, timeout=PAGE_SECONDS)
    return HttpResponse(_fill_member(request, stored[2]), content_type=stored[1])


def _fill_member(request: HttpRequest, content: bytes) -> bytes:
    name = str(request.user.public_name)  # type: ignore[union-attr]
    shown = escape(name).encode()
    content = content.replace(_MEMBER_SENTENCE, shown + b"</strong>" + sentence_end(name).encode())
    content = content.replace(MEMBER_NAME.encode(), shown)
    # One masked token for every form of the page (form_tokens_html with csrf=True would mask another).
    token_input = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request))
    content = content.replace(_MEMBER_CSRF, token_input.encode())
    if LATE_TOKENS in content:
        content = content.replace(LATE_TOKENS, (token_input + form_tokens_html(request, csrf=False)).encode())
    return content
