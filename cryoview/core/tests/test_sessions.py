"""The session engine reads Django's session table with one plain query and answers as Django's does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cryoview.core.sessions import SessionStore, _remember, _user_of_session, forget_sessions

pytestmark = pytest.mark.django_db
User = get_user_model()  # core imports no app (import-linter), even in its tests

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


# --- The member's row read with the session (cryoview.core.sessions.AuthenticationMiddleware) ---------------------


def _user_reads(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "accounts_user" in q["sql"]]


def test_a_repeat_request_reads_the_member_with_the_session_in_one_query(client, member):
    client.force_login(member)
    client.get(PAGE)  # this process learns whose session it is
    with CaptureQueriesContext(connection) as queries:
        page = client.get(PAGE).text
    assert member.public_name in page and "Sign out" in page
    reads = _user_reads(queries)
    assert len(reads) == 1 and reads[0].startswith("SELECT session_data") and "django_session" in reads[0]
    assert not [q for q in queries.captured_queries if q["sql"].startswith('SELECT "accounts_user"')]


def test_a_session_this_process_has_not_seen_is_read_as_django_reads_it(client, member):
    client.force_login(member)
    forget_sessions()
    with CaptureQueriesContext(connection) as queries:
        page = client.get(PAGE).text
    assert member.public_name in page
    sessions = [q["sql"] for q in queries.captured_queries if "django_session" in q["sql"]]
    assert sessions == [q for q in sessions if "accounts_user" not in q]  # no join without a known user
    assert len(_user_reads(queries)) == 1  # Django's own lookup by id


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda user: User.objects.filter(pk=user.pk).update(is_active=False), id="deactivated"),
        pytest.param(lambda user: User.objects.filter(pk=user.pk).update(password="!changed"), id="new-password"),
        pytest.param(lambda user: User.objects.filter(pk=user.pk).delete(), id="deleted"),
    ],
)
def test_a_change_to_the_member_signs_the_session_out_at_the_next_request(client, member, change):
    client.force_login(member)
    assert member.public_name in client.get(PAGE).text  # the key's user is now known to this process
    change(member)
    page = client.get(PAGE).text
    assert "Sign in" in page and member.public_name not in page


def test_a_wrong_memory_of_the_sessions_user_never_shows_another_member(member, other_member):
    mine, theirs = Client(), Client()
    mine.force_login(member)
    theirs.force_login(other_member)
    # This process's memory says the first session belongs to the other member: the join brings their row,
    # but the session's own data names the first member, so the row is not taken.
    _user_of_session[mine.cookies["sessionid"].value] = str(other_member.pk)
    page = mine.get(PAGE).text
    assert member.public_name in page and other_member.public_name not in page
    assert _user_of_session[mine.cookies["sessionid"].value] == str(member.pk)  # corrected from the data
    page = theirs.get(PAGE).text
    assert other_member.public_name in page and member.public_name not in page


def test_two_members_taking_turns_each_see_only_themselves(member, other_member):
    browsers = {member: Client(), other_member: Client()}
    for user, browser in browsers.items():
        browser.force_login(user)
    for _ in range(3):
        for user, browser in browsers.items():
            other = other_member if user == member else member
            page = browser.get(PAGE).text
            assert user.public_name in page and other.public_name not in page


def test_the_prefetched_row_is_the_row_the_orm_reads(member):
    store = SessionStore()
    store[SESSION_KEY] = str(member.pk)
    store.save()
    SessionStore(store.session_key).load()  # learns the user
    again = SessionStore(store.session_key)
    again.load()
    fetched = again.prefetched_user
    expected = User.objects.get(pk=member.pk)
    assert fetched is not None and fetched._state.adding is False
    for field in User._meta.concrete_fields:
        assert getattr(fetched, field.attname) == getattr(expected, field.attname), field.name


def test_the_memory_of_sessions_is_bounded(monkeypatch):
    monkeypatch.setattr("cryoview.core.sessions.USER_OF_SESSION_ENTRIES", 3)
    forget_sessions()
    for n in range(5):
        _remember(f"key{n}", str(n))
    assert list(_user_of_session) == ["key2", "key3", "key4"]


def test_the_first_request_after_signing_in_is_read_with_the_member_too(client, member):
    client.force_login(member)  # login() saves the session: this process knows whose it is
    with CaptureQueriesContext(connection) as queries:
        assert member.public_name in client.get(PAGE).text
    reads = _user_reads(queries)
    assert len(reads) == 1 and "django_session" in reads[0]
