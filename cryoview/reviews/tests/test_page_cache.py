"""Visitors' cached pages: served whole, and stale the moment the reviews they show change."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cryoview.moderation.enums import Decision
from cryoview.moderation.services import review_decide
from cryoview.reviews.services import review_hide, review_withdraw
from cryoview.reviews.tests.factories import pending_review, published_review, recount_queued

# On both shared caches: the database table (one server) and Redis (CRYOVIEW_CACHE_URL).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("each_shared_cache")]

FORM_TOKENS = re.compile(r'(name="(?:csrfmiddlewaretoken|form_stamp)" value=")[^"]+"')


def without_form_tokens(html: str) -> str:
    """Each response carries its own CSRF token and form stamp (filled in when served); the rest is stored."""
    return FORM_TOKENS.sub(r'\1…"', html)


PAGES = [
    "/procedures/facial-cryomassage/",
    "/procedures/facial-cryomassage/reviews/",
    "/api/v1/procedures/facial-cryomassage/reviews",
    "/api/v1/procedures/facial-cryomassage/stats",
]


@pytest.mark.parametrize("url", PAGES)
def test_a_visitor_gets_the_stored_page_without_rendering_it(client, massage, url, each_shared_cache):
    published_review(massage, title="Stored once")
    first = client.get(url)
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url)
    assert second.status_code == 200 and without_form_tokens(second.text) == without_form_tokens(first.text)
    # Nothing rendered: on Redis no query at all; on the database cache one read (the page's generation).
    assert len(queries) == (1 if each_shared_cache == "database" else 0)


@pytest.mark.parametrize(("url", "shown"), [(url, "Just approved") for url in PAGES[:3]] + [(PAGES[3], '"count":1')])
def test_a_change_to_the_reviews_shows_at_once(client, massage, member, moderator, url, shown):
    """The lists change with the decision, and a withdrawn review leaves every page at once; the numbers (and
    the guide's section, which shows nothing without them) follow when the worker has recounted."""
    lists = url in PAGES[1:3]
    shows_reviews = url in PAGES[:3]  # the guide's section lists the first reviews
    client.get(url)  # stored while there are no reviews
    review = pending_review(massage, member, title="Just approved")
    assert shown not in client.get(url).text, "pending reviews are never shown"
    review_decide(review=review, by=moderator, decision=Decision.APPROVE)
    assert (shown in client.get(url).text) == lists
    recount_queued()
    assert shown in client.get(url).text
    review.refresh_from_db()
    review_withdraw(review=review, by=member)
    assert (shown not in client.get(url).text) == shows_reviews, "what is withdrawn goes at once"
    recount_queued()
    assert shown not in client.get(url).text


def test_signed_in_people_and_pending_messages_get_a_fresh_page(client, massage, member):
    published_review(massage)
    client.get("/procedures/facial-cryomassage/")
    client.force_login(member)
    page = client.get("/procedures/facial-cryomassage/")
    assert member.public_name in page.text, "the header names the signed-in member: not a visitor's copy"
    client.logout()
    client.cookies["messages"] = "x"
    with CaptureQueriesContext(connection) as queries:
        client.get("/procedures/facial-cryomassage/reviews/")
    assert len(queries) > 1, "rendered afresh"


def test_errors_are_not_stored(client, massage):
    assert client.get("/procedures/facial-cryomassage/reviews/?rating=9").status_code == 400
    assert client.get("/procedures/facial-cryomassage/reviews/?rating=9").status_code == 400
    assert client.get("/procedures/no-such-guide/").status_code == 404


# --- Members on each shared cache: on the database cache the scope's generation is read in the session's own
# statement (cryoview.core.sessions.read_with_session), so a repeat page is one round trip, and never stale.

MEMBER_PAGES = PAGES[:2]


@pytest.mark.parametrize("url", MEMBER_PAGES)
def test_a_members_repeat_page_is_one_query(client, massage, member, url, each_shared_cache):
    published_review(massage, title="Kept for members")
    client.force_login(member)
    client.get(url)  # the members' rendering is kept; this process learns whose session it is
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).text
    assert "Kept for members" in page and member.public_name in page
    sql = [q["sql"] for q in queries.captured_queries]
    # The session, the member and (database cache) the generations: one statement; Redis answers the rest.
    assert len(sql) == 1, sql
    assert "django_session" in sql[0] and "accounts_user" in sql[0]
    assert ("cryoview_cache" in sql[0]) == (each_shared_cache == "database")


@pytest.mark.parametrize("url", MEMBER_PAGES)
def test_a_members_page_is_never_stale_on_either_cache(client, massage, member, moderator, url, each_shared_cache):
    client.force_login(member)
    review = published_review(massage, title="Shown, then hidden")
    assert "Shown, then hidden" in client.get(url).text
    client.get(url)  # and served again from the members' rendering
    review_hide(review=review)  # reports reached the threshold
    recount_queued()
    assert "Shown, then hidden" not in client.get(url).text, "a hidden review leaves the member's page at once"
    fresh = pending_review(massage, title="Approved after")
    review_decide(review=fresh, by=moderator, decision=Decision.APPROVE)
    recount_queued()
    assert "Approved after" in client.get(url).text
    fresh.refresh_from_db()
    review_withdraw(review=fresh, by=fresh.author)
    assert "Approved after" not in client.get(url).text


def test_one_members_name_never_reaches_another_on_either_cache(massage, member, other_member, each_shared_cache):
    published_review(massage, title="For both")
    browsers = [(member, other_member, Client()), (other_member, member, Client())]
    for user, _, browser in browsers:
        browser.force_login(user)
    for _ in range(2):
        for url in MEMBER_PAGES:
            for user, other, browser in browsers:
                page = browser.get(url).text
                assert user.public_name in page and other.public_name not in page
