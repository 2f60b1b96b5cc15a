"""Signed-in members never get visitors' whole pages, yet their pages are cheap: the parts that are the same
for everyone (the list, the numbers, the guide's section) are kept per generation of the procedure's scope."""

from __future__ import annotations

import warnings
from unittest import mock

import pytest
from django.core.cache.backends.base import CacheKeyWarning
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cryoview.core import pagecache
from cryoview.moderation.enums import Decision
from cryoview.moderation.services import review_decide
from cryoview.reviews.services import review_withdraw
from cryoview.reviews.tests.factories import pending_review, published_review, recount_queued

pytestmark = pytest.mark.django_db(transaction=True)

GUIDE = "/procedures/facial-cryomassage/"
LIST = "/procedures/facial-cryomassage/reviews/"
LIST_API = "/api/v1/procedures/facial-cryomassage/reviews"
STATS_API = "/api/v1/procedures/facial-cryomassage/stats"


@pytest.mark.parametrize("url", [GUIDE, LIST, LIST_API, STATS_API])
def test_a_member_never_gets_a_visitors_stored_page(client, massage, member, url):
    published_review(massage, title="Seen by all")
    client.get(url)  # a visitor's copy is stored
    client.force_login(member)
    with mock.patch.object(pagecache, "_page_key", side_effect=AssertionError("a visitors' page was looked up")):
        response = client.get(url)
    assert response.status_code == 200
    assert "Seen by all" in response.text or '"count":1' in response.text
    if url in (GUIDE, LIST):
        assert member.public_name in response.text and "Sign out" in response.text


def test_the_shared_list_part_names_nobody(client, massage, member, other_member):
    published_review(massage, title="Seen by all")
    client.force_login(member)
    assert member.public_name in client.get(LIST).text
    client.force_login(other_member)
    page = client.get(LIST).text
    assert other_member.public_name in page and member.public_name not in page
    assert "Seen by all" in page


@pytest.mark.parametrize("url", [GUIDE, LIST, LIST_API, STATS_API])
def test_a_members_page_changes_with_the_reviews(client, massage, member, moderator, url):
    client.force_login(member)
    client.get(url)  # its parts are kept
    review = pending_review(massage, title="Just approved")
    review_decide(review=review, by=moderator, decision=Decision.APPROVE)
    recount_queued()
    shown = '"count":1' if url == STATS_API else "Just approved"
    assert shown in client.get(url).text
    review.refresh_from_db()
    review_withdraw(review=review, by=review.author)
    if url != STATS_API:
        assert "Just approved" not in client.get(url).text, "a withdrawn review leaves at once"
    recount_queued()
    assert shown not in client.get(url).text


@pytest.mark.parametrize("url", [GUIDE, LIST, LIST_API, STATS_API])
def test_a_members_repeat_request_reads_no_review_rows(client, massage, member, url):
    for n in range(3):
        published_review(massage, title=f"Review {n}")
    client.force_login(member)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert "reviews_review" not in tables and "procedures_procedure" not in tables
    assert "comments_comment" not in tables, "whether the member commented here is known per generation"
    # At most: the session, the user (pages only) and the scope's generation (in-memory cache here).
    assert len(queries.captured_queries) <= 2, [q["sql"][:80] for q in queries.captured_queries]


def test_a_bad_filter_is_a_400_and_is_not_kept(client, massage, member):
    published_review(massage)
    client.force_login(member)
    assert client.get(f"{LIST}?rating=9").status_code == 400
    assert client.get(f"{LIST}?cursor=not-a-cursor").status_code == 400
    assert client.get(f"{LIST}?cursor=not-a-cursor").status_code == 400, "the error was not stored as a page"
    assert client.get(LIST).status_code == 200


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_hostile_slug_is_a_404_with_keys_the_database_cache_can_hold(client, massage, member, signed_in):
    """The database cache keeps keys of at most 255 characters (PostgreSQL refuses longer ones): a slug of
    300 letters must not reach it whole."""
    if signed_in:
        client.force_login(member)
    slug = "a" * 300
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)
        for url in (f"/procedures/{slug}/", f"/procedures/{slug}/reviews/", f"/api/v1/procedures/{slug}/stats"):
            assert client.get(url).status_code == 404, url
