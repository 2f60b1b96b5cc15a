"""Visitors' cached pages: served whole, and stale the moment the reviews they show change."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cryoview.moderation.enums import Decision
from cryoview.moderation.services import review_decide
from cryoview.reviews.services import review_withdraw
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
