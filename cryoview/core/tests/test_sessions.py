"""The session engine reads Django's session table with one plain query and answers as Django's does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cryoview.core.sessions import SessionStore

pytestmark = pytest.mark.django_db

PAGE = "/"


def test_a_signed_in_member_is_recognised_with_one_session_query(client, member):
    client.force_login(member)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(PAGE).text
    assert member.public_name in page and "Sign out" in page
    reads = [q["sql"] for q in queries.captured_queries if "django_session" in q["sql"]]
    assert len(reads) == 1 and reads[0].startswith("SELECT session_data")


def test_an_expired_session_is_no_session(client, member):
    client.force_login(member)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    page = client.get(PAGE).text
    assert "Sign in" in page and member.public_name not in page


def test_sign_out_ends_the_session_for_every_copy_of_the_cookie(member):
    browser = Client()
    browser.force_login(member)
    stolen = Client()
    stolen.cookies = browser.cookies.__class__(browser.cookies)  # the same session cookie in another browser
    browser.post("/accounts/logout/")
    assert "Sign in" in stolen.get(PAGE).text


def test_an_unknown_or_malformed_key_is_no_session(member):
    store = SessionStore("x" * 32)
    assert store.load() == {} and store.session_key is None
    assert SessionStore("short").load() == {}
    visitor = Client()
    visitor.cookies["sessionid"] = "' OR 1=1 --"
    assert "Sign in" in visitor.get(PAGE).text


def test_data_round_trips(member):
    store = SessionStore()
    store["answer"] = 42
    store.save()
    assert SessionStore(store.session_key).load() == {"answer": 42}
