"""allauth's limits behind nginx (CRYOVIEW_PROXY_HOPS=1): per visitor, never global, and still limits.

Every request comes from nginx's address (REMOTE_ADDR) with the visitor's address appended by nginx to
X-Forwarded-For; entries further left are whatever the visitor sent.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from django.test import Client

from cryoview.accounts.models import User
from cryoview.accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NGINX = "10.0.0.1"
LOCKED = "Too many failed sign-in attempts"


@pytest.fixture(autouse=True)
def behind_nginx(settings):
    settings.CONFIG = replace(settings.CONFIG, proxy_hops=1)


def via(address: str, forged: str | None = None) -> dict[str, Any]:
    forwarded = f"{forged}, {address}" if forged else address
    return {"REMOTE_ADDR": NGINX, "HTTP_X_FORWARDED_FOR": forwarded}


def log_in(email: str, password: str, address: str, forged: str | None = None):
    """A fresh browser (no session), as each visitor has their own."""
    return Client().post("/accounts/login/", {"login": email, "password": password}, **via(address, forged))


def sign_up(n: int, address: str):
    data = {"email": f"p{n}@example.org", "password1": PASSWORD, "password2": PASSWORD}
    return Client().post("/accounts/signup/", data, **via(address))


def test_twelve_visitors_failing_logins_are_not_locked_out(member):
    visitors = [f"198.51.100.{n}" for n in range(1, 13)]
    for address in visitors:
        response = log_in(member.email, "wrong", address)
        assert response.status_code == 200
        assert "not correct" in response.text and LOCKED not in response.text, address
    # Twelve failures on one account from twelve addresses: its owner still gets in from a thirteenth.
    assert log_in(member.email, PASSWORD, "198.51.100.13").status_code == 302


def test_sign_ups_from_seven_addresses_in_an_hour_all_get_through():
    statuses = [sign_up(n, f"203.0.113.{n}") for n in range(1, 8)]
    assert [r.status_code for r in statuses] == [302] * 7
    assert User.objects.count() == 7


def test_one_visitor_is_still_limited_to_five_sign_ups_an_hour():
    statuses = [sign_up(n, "203.0.113.50").status_code for n in range(6)]
    assert statuses == [302] * 5 + [429]
    assert User.objects.count() == 5
    # ...while the next visitor signs up at once.
    assert sign_up(99, "203.0.113.51").status_code == 302


def test_a_password_flood_locks_that_address_for_that_account_only(member, other_member):
    flood = "192.0.2.66"
    for _ in range(5):
        assert "not correct" in log_in(member.email, "wrong", flood).text
    refused = log_in(member.email, PASSWORD, flood)
    assert refused.status_code == 200 and LOCKED in refused.text
    # The owner, from their own address, signs in with the right password.
    assert log_in(member.email, PASSWORD, "198.51.100.20").status_code == 302
    # The flooding address is not locked out of other accounts by this account's limit.
    assert log_in(other_member.email, PASSWORD, flood).status_code == 302


@pytest.mark.parametrize(
    "forged",
    [lambda n: f"6.6.6.{n}", lambda n: f"6.6.6.{n}, 7.7.7.{n}", lambda n: "", lambda n: "::1"],
    ids=["one-forged-entry", "two-forged-entries", "none", "forged-ipv6"],
)
def test_forged_forwarded_entries_do_not_escape_the_failed_login_limit(member, forged):
    for n in range(5):
        assert "not correct" in log_in(member.email, "wrong", "192.0.2.77", forged(n) or None).text
    assert LOCKED in log_in(member.email, PASSWORD, "192.0.2.77", forged(9) or None).text


def test_an_ipv6_visitor_cannot_rotate_addresses_inside_its_network(member):
    for n in range(5):
        assert "not correct" in log_in(member.email, "wrong", f"2001:db8:1:2::{n + 1:x}").text
    assert LOCKED in log_in(member.email, PASSWORD, "2001:db8:1:2::ffff").text
    assert log_in(member.email, PASSWORD, "2001:db8:9:9::1").status_code == 302


def test_login_requests_are_limited_per_visitor_with_retry_after():
    client = Client()
    statuses = []
    for n in range(31):
        response = client.post(
            "/accounts/login/", {"login": f"x{n}@example.org", "password": "w"}, **via("192.0.2.5", f"6.6.{n}.6")
        )
        statuses.append(response.status_code)
    assert statuses[:30] == [200] * 30 and statuses[30] == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "try again in" in response.text
    other = client.post("/accounts/login/", {"login": "y@example.org", "password": "w"}, **via("192.0.2.6"))
    assert other.status_code == 200


def test_without_a_proxy_the_forwarded_header_is_ignored(settings):
    settings.CONFIG = replace(settings.CONFIG, proxy_hops=0)
    statuses = [sign_up(n, f"203.0.113.{n}").status_code for n in range(6)]
    assert statuses == [302] * 5 + [429]  # all from REMOTE_ADDR: one visitor, whatever the header says


def test_the_sign_up_limit_says_how_long_to_wait():
    for n in range(5):
        sign_up(n, "203.0.113.60")
    response = sign_up(5, "203.0.113.60")
    assert response.status_code == 429
    # The first of the five sign-ups leaves the one-hour window in just under an hour.
    assert 3500 <= int(response["Retry-After"]) <= 3600


def test_password_resets_per_e_mail_answer_429_with_retry_after(member):
    statuses = []
    for n in range(4):
        response = Client().post("/accounts/password/reset/", {"email": member.email}, **via(f"198.51.100.{n}"))
        statuses.append(response.status_code)
    assert statuses == [302, 302, 302, 429]
    assert 1 <= int(response["Retry-After"]) <= 3600
