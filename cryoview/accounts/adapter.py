"""django-allauth, fitted to Cryoview: its rate limits key on the visitor's address as we resolve it.

Behind nginx every request comes from nginx's address. allauth has its own way to find the client
(ALLAUTH_TRUSTED_PROXY_COUNT / ALLAUTH_TRUSTED_CLIENT_IP_HEADER); two settings for one fact would drift, so
allauth asks `client_address` (CRYOVIEW_PROXY_HOPS), like every other limit here.

Written against django-allauth 65.21: `_get_login_attempts_cache_key` and the rate-limit internals used by
`rate_limit_wait` are not public API; the account tests fail if they change.
"""

from __future__ import annotations

import math
import time
from typing import Any
from urllib.parse import urlsplit

from allauth.account import app_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from cryoview.core.throttle import client_address

SITE_NAME = "Cryoview"
ALLAUTH = "allauth.account"
# allauth's views and the limit each enforces, to tell which one a 429 came from.
ACTION_OF_VIEW = {
    "account_login": "login",
    "account_signup": "signup",
    "account_reset_password": "reset_password",
    "account_reset_password_from_key": "reset_password_from_key",
    "account_change_password": "change_password",
    "account_set_password": "change_password",
    "account_email": "manage_email",
    "account_reauthenticate": "reauthenticate",
}


class SiteIdentity:
    """What allauth's e-mails call the site (`current_site.name`, `.domain`).

    Without django.contrib.sites allauth names the site after the request's host, so e-mails greeted people
    with "Hello from 127.0.0.1:8000!". The name is the product's; the domain is CRYOVIEW_SITE_URL's host."""

    def __init__(self) -> None:
        self.name = SITE_NAME
        self.domain = urlsplit(settings.CONFIG.site_url).netloc

    def __str__(self) -> str:
        return self.name


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth ships no type hints
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        super().send_mail(template_prefix, email, {"current_site": SiteIdentity(), **context})

    def get_client_ip(self, request: HttpRequest) -> str:
        address = client_address(request)
        if not address:
            raise PermissionDenied("Unable to determine the client's address.")
        return address

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """The `login_failed` per-key limit counts failures per (account, address).

        allauth keys it on the account alone, so five wrong passwords from anyone lock the account for
        everyone. Per address, a flood slows that account's logins from the flooding address only; the
        per-address part of the limit (`10/m/ip`) still bounds guessing across accounts. IPv6 addresses are
        cut to their network prefix as allauth does for its per-address limits, so one host cannot rotate.
        """
        account = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account}:{ratelimit.get_ip(request)}"

    def rate_limit_wait(self, request: HttpRequest) -> int:
        """Seconds until the allauth limit that refused this request lets one more through (Retry-After).

        allauth keeps, per limit, the times of the hits inside its window, newest first: a full limit frees
        a place when its oldest counted hit leaves the window. Limits per key (an e-mail) are not read back:
        they answer with their whole window, an upper bound.
        """
        now = time.time()
        match = request.resolver_match
        action = ACTION_OF_VIEW.get(match.url_name or "") if match else None
        actions = [action] if action else list(app_settings.RATE_LIMITS)
        waits: list[float] = []
        longest = 0.0
        for name in actions:
            for rate in ratelimit.get_rates(app=ALLAUTH, action=name):
                longest = max(longest, float(rate.duration))
                if rate.per == "key" or (rate.per == "user" and not request.user.is_authenticated):
                    continue
                key = ratelimit.get_cache_key(request, app=ALLAUTH, action=name, rate=rate)
                history = cache.get(key, [])
                if len(history) >= rate.amount:
                    waits.append(history[rate.amount - 1] + rate.duration - now)
        return max(1, math.ceil(max(waits) if waits else longest or 60))
