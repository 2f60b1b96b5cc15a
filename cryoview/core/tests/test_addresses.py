"""Who is asking: addresses behind proxies, and only ever as salted hashes."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
from django.test import RequestFactory

from cryoview.core.throttle import client_address, ip_hash


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (0, "198.51.100.9", "10.0.0.1"),  # no proxy configured: the header is anyone's to forge
        (1, "198.51.100.9", "198.51.100.9"),
        (1, "6.6.6.6, 198.51.100.9", "198.51.100.9"),  # the client's own (forged) entry is ignored
        (2, "6.6.6.6, 198.51.100.9, 10.0.0.2", "198.51.100.9"),
        (1, "", "10.0.0.1"),  # no header: the connection's address
        (2, "198.51.100.9", "10.0.0.1"),  # fewer entries than proxies: not trusted
    ],
)
def test_client_address(settings, hops, forwarded, expected):
    settings.CONFIG = replace(settings.CONFIG, proxy_hops=hops)
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_the_hash_is_salted_with_the_secret_key(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7")
    first = ip_hash(request)
    assert first == ip_hash(request)
    assert first not in hashlib.sha256(b"203.0.113.7").hexdigest()
    settings.SECRET_KEY = "another-secret-key-that-is-long-enough-for-django-987654321"
    assert ip_hash(request) != first
