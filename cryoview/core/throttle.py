"""Fixed-window rate limits kept in the cache (shared by every web process when the cache is)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from cryoview.core.errors import ApplicationError, ServiceUnavailable


class Throttled(ApplicationError):
    """A 429 that knows how long to wait: pages and the API send it as Retry-After (RFC 9110, 10.2.3)."""

    def __init__(self, what: str, retry_after: int, *, message: str | None = None) -> None:
        retry_after = max(1, int(retry_after))
        super().__init__(
            message=message or f"Too many {what}; try again in {retry_after} seconds.",
            status=429,
            code="rate_limited",
        )
        self.retry_after = retry_after


# Only for a 429 that did not come from a Throttled (none do today; a test keeps it so): a minute.
FALLBACK_RETRY_AFTER = 60


def retry_after_of(error: ApplicationError) -> int:
    """Seconds the client should wait before trying again after this 429 or 503."""
    return error.retry_after if isinstance(error, Throttled | ServiceUnavailable) else FALLBACK_RETRY_AFTER


def client_key(request: HttpRequest) -> str:
    """Who is asking: the account if signed in, else a hash of the address (we do not keep raw IPs)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return "ip:" + ip_hash(request)


def client_address(request: HttpRequest) -> str:
    """The visitor's address. Behind CRYOVIEW_PROXY_HOPS proxies, the entry they appended to X-Forwarded-For
    (counted from the right: entries further left are whatever the client sent, and can be forged)."""
    hops = settings.CONFIG.proxy_hops
    if hops:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= hops:
            return str(forwarded[-hops])[:64]
    return str(request.META.get("REMOTE_ADDR", ""))


def ip_hash(request: HttpRequest) -> str:
    """The address as a salted hash (keyed with the secret key): equal addresses match, none can be read back."""
    address = client_address(request)
    return salted_hmac("cryoview.ip-address", address, algorithm="sha256").hexdigest()[:32]


def throttle_hit(*, scope: str, key: str, limit: int, window_seconds: int, what: str) -> None:
    """Count one attempt; raise Throttled (429, with the wait) once `limit` is exceeded in the window."""
    window = int(time.time() // window_seconds)
    cache_key = f"throttle:{scope}:{key}:{window}"
    cache.add(cache_key, 0, timeout=window_seconds + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window_seconds + 5)
        count = 1
    if count > limit:
        retry_after = int((window + 1) * window_seconds - time.time()) + 1
        raise Throttled(what, retry_after)
