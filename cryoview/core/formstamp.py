"""When a form was shown, signed so the browser cannot change it: a human needs a few seconds to write,
a bot posts at once. The stamp is filled in when the page is served, so a cached page still carries a
fresh one (see pagecache.LATE_TOKENS)."""

from __future__ import annotations

import time

from django.core import signing
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils.html import format_html

SALT = "cryoview.form-stamp"
FIELD = "form_stamp"


def stamp_new() -> str:
    return signing.dumps(round(time.time(), 3), salt=SALT)


def stamp_age(value: str) -> float | None:
    """Seconds since the stamp was made; None when it is missing, forged or from the future."""
    try:
        made = signing.loads(value, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(made, (int, float)):
        return None
    age = time.time() - made
    return age if age >= -1 else None


def form_tokens_html(request: HttpRequest, *, csrf: bool = True) -> str:
    """The hidden inputs of a form that may sit on a cached page: the stamp, and the CSRF token unless
    `csrf` is False (visitors' cached pages: see comments.views for why guests' forms need none)."""
    stamp = format_html('<input type="hidden" name="{}" value="{}">', FIELD, stamp_new())
    if not csrf:
        return str(stamp)
    token = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request))
    return str(token + stamp)
