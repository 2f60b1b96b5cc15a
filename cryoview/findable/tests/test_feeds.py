"""Atom feeds of newly published reviews: valid Atom, exactly the public reviews newest first, plain text that no
reader runs, never an e-mail address, every way a review stops being public takes it out, and a cost that does not
grow with the number of reviews."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from xml.etree import ElementTree  # our own response, not untrusted input

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cryoview.accounts.tests.factories import UserFactory
from cryoview.comments.tests.markup import live_markup
from cryoview.findable import selectors
from cryoview.journeys.privacy import account_delete
from cryoview.moderation.enums import Decision
from cryoview.moderation.services import review_decide
from cryoview.procedures.models import Procedure
from cryoview.reviews.models import Review
from cryoview.reviews.services import review_hide, review_take_down, review_withdraw
from cryoview.reviews.tests.factories import factory_moderator, pending_review, published_review, recount_queued
from cryoview.reviews.tests.test_pages import XSS

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
SITE_FEED = "/feeds/reviews.atom"
MASSAGE_FEED = "/procedures/facial-cryomassage/reviews.atom"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run `change()` as if its transaction committed (visitors' cached pages expire then), then the recount."""

    def run(change: Callable):
        with django_capture_on_commit_callbacks(execute=True):
            result = change()
        recount_queued()
        return result

    return run


@pytest.fixture
def publish(committed):
    def run(procedure: Procedure, author=None, **overrides) -> Review:
        return committed(lambda: published_review(procedure, author, **overrides))

    return run


def one(element: ElementTree.Element, path: str) -> ElementTree.Element:
    found = element.find(path)
    assert found is not None, path
    return found


def feed(client: Client, url: str) -> ElementTree.Element:
    """The feed, checked as Atom (RFC 4287): the elements a feed and each entry must have."""
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = ElementTree.fromstring(response.content)  # noqa: S314
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert (root.findtext(f"{ATOM}{required}") or "").strip(), required
    assert one(root, f"{ATOM}link[@rel='self']").get("href") == settings.CONFIG.site_url + url
    for entry in root.iter(f"{ATOM}entry"):
        for required in ("id", "title", "updated", "published"):
            assert (entry.findtext(f"{ATOM}{required}") or "").strip(), required
        assert entry.findtext(f"{ATOM}author/{ATOM}name")
        assert one(entry, f"{ATOM}summary").get("type") == "text"
        assert (one(entry, f"{ATOM}link[@rel='alternate']").get("href") or "").startswith(settings.CONFIG.site_url)
    return root


def entries(client: Client, url: str) -> list[ElementTree.Element]:
    return list(feed(client, url).iter(f"{ATOM}entry"))


def titles(client: Client, url: str) -> list[str]:
    return [entry.findtext(f"{ATOM}title") or "" for entry in entries(client, url)]


def review_url(review: Review) -> str:
    return settings.CONFIG.site_url + reverse("reviews:detail", args=[review.pk])


def test_an_entry_says_what_the_review_says_and_who_wrote_it_never_their_e_mail(client, massage, publish):
    author = UserFactory(email="private.person@example.org", display_name="Anna K.")
    review = publish(massage, author, title="Cold, then glowing", rating=4, body="Felt **cold**.\n\nThen fine.")
    [entry] = entries(client, MASSAGE_FEED)
    assert entry.findtext(f"{ATOM}title") == "Cold, then glowing"
    assert entry.find(f"{ATOM}link").get("href") == entry.findtext(f"{ATOM}id") == review_url(review)
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Anna K."
    assert entry.find(f"{ATOM}author/{ATOM}email") is None
    summary = entry.findtext(f"{ATOM}summary")
    assert summary == f"Rated 4 of 5 · {massage.name}\n\nFelt cold.\n\nThen fine."
    assert entry.find(f"{ATOM}category").get("term") == massage.name
    published = review.published_at.isoformat(timespec="seconds")[:19]
    assert entry.findtext(f"{ATOM}published").startswith(published)
    assert entry.findtext(f"{ATOM}updated").startswith(published)
    assert review.created_at.isoformat()[:26] != review.published_at.isoformat()[:26], "publication, not creation"
    for url in (MASSAGE_FEED, SITE_FEED):
        assert b"private.person" not in client.get(url).content


def test_newest_publication_first_each_feed_its_own_reviews_and_a_bounded_number(
    client, massage, warts, publish, monkeypatch
):
    older = publish(massage, title="Older")
    other = publish(warts, title="Of warts")
    newer = publish(massage, title="Newer")
    # Published in this order, whatever order they were written in.
    now = timezone.now()
    for hours, review in ((3, newer), (2, other), (1, older)):
        Review.objects.filter(pk=review.pk).update(published_at=now - timedelta(hours=hours))
    assert titles(client, SITE_FEED) == ["Older", "Of warts", "Newer"]
    assert titles(client, "/procedures/cryodestruction-of-benign-growths/reviews.atom") == ["Of warts"]
    monkeypatch.setattr(selectors, "FEED_ENTRIES", 2)
    assert titles(client, SITE_FEED) == ["Older", "Of warts"]


def test_an_empty_feed_is_still_valid_atom(client, guides):
    assert entries(client, SITE_FEED) == [] and entries(client, "/procedures/cryoelectrophoresis/reviews.atom") == []


@pytest.mark.parametrize(
    "url",
    [
        "/procedures/no-such-guide/reviews.atom",
        "/procedures/NOT_A_SLUG/reviews.atom",
        "/procedures/a%00b/reviews.atom",
        "/procedures/" + "x" * 300 + "/reviews.atom",
    ],
)
def test_an_unknown_guide_has_no_feed(client, guides, url):
    assert client.get(url).status_code == 404


def test_an_unpublished_guide_has_no_feed_and_its_reviews_leave_the_site_feed(client, massage, publish, committed):
    publish(massage, title="Of an unpublished guide")
    assert titles(client, MASSAGE_FEED) == ["Of an unpublished guide"]
    Procedure.objects.filter(pk=massage.pk).update(is_published=False)
    from cryoview.core.pagecache import bump
    from cryoview.procedures.selectors import procedure_scope

    bump(procedure_scope(massage.slug))  # as unpublishing a guide does (a revision is recorded)
    assert client.get(MASSAGE_FEED).status_code == 404
    assert titles(client, SITE_FEED) == []


def test_nothing_awaiting_moderation_or_rejected_is_in_a_feed(client, massage, committed):
    pending_review(massage, title="Waiting")
    rejected = pending_review(massage, title="Refused")
    committed(lambda: review_decide(review=rejected, by=factory_moderator(), decision=Decision.REJECT, reason="Ad."))
    assert titles(client, SITE_FEED) == [] and titles(client, MASSAGE_FEED) == []


UNPUBLISHING: dict[str, Callable] = {
    "withdrawn by its author": lambda r: review_withdraw(review=r, by=r.author),
    "taken down by a moderator": lambda r: review_take_down(review=r, by=factory_moderator(), reason="Advertising."),
    "hidden after reports": lambda r: review_hide(review=r),
    "deleted with its author's account": lambda r: account_delete(user=r.author),
}


@pytest.mark.parametrize("path", list(UNPUBLISHING))
def test_a_review_that_stops_being_public_leaves_both_feeds(client, massage, publish, committed, path):
    review = publish(massage, title="Soon gone")
    publish(massage, title="Stays")
    for url in (SITE_FEED, MASSAGE_FEED):
        assert sorted(titles(client, url)) == ["Soon gone", "Stays"]  # the guide's feed is now kept for visitors
    committed(lambda: UNPUBLISHING[path](review))
    for url in (SITE_FEED, MASSAGE_FEED):
        assert titles(client, url) == ["Stays"], url


def test_a_hidden_review_kept_by_a_moderator_comes_back(client, massage, publish, committed):
    review = publish(massage, title="Reported")
    committed(lambda: review_hide(review=review))
    assert titles(client, MASSAGE_FEED) == []
    committed(lambda: review_decide(review=review, by=factory_moderator(), decision=Decision.APPROVE))
    assert titles(client, MASSAGE_FEED) == ["Reported"]


@pytest.mark.parametrize("payload", XSS)
def test_hostile_text_is_plain_text_in_the_feed(client, massage, publish, payload):
    author = UserFactory(display_name=payload[:60])
    publish(massage, author, title=payload[:120], body=f"{payload}\n\nStill here.")
    response = client.get(SITE_FEED)
    [entry] = entries(client, SITE_FEED)
    assert entry.findtext(f"{ATOM}title") == payload[:120], "the title as written, as text"
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == payload[:60]
    summary = entry.findtext(f"{ATOM}summary") or ""
    assert summary.endswith("Still here.") and entry.find(f"{ATOM}summary").get("type") == "text"
    # Nothing in the document is markup a browser or reader would run: every "<" of a member is &lt;.
    assert live_markup(response.content.decode()) == []
    assert b"<script" not in response.content and b"<img" not in response.content


def test_characters_xml_cannot_carry_are_dropped_not_a_500(client, massage, publish):
    review = publish(massage, title="Bell")
    Review.objects.filter(pk=review.pk).update(title="Bell\x07 and\x0b tab", body_html="<p>unit\x1f ok</p>")
    [entry] = entries(client, SITE_FEED)
    assert entry.findtext(f"{ATOM}title") == "Bell and tab"
    assert (entry.findtext(f"{ATOM}summary") or "").endswith("unit ok")


def test_the_pages_point_to_their_feeds(client, massage):
    site = f'<link rel="alternate" type="application/atom+xml" href="{settings.CONFIG.site_url}{SITE_FEED}"'
    guide = f'<link rel="alternate" type="application/atom+xml" href="{settings.CONFIG.site_url}{MASSAGE_FEED}"'
    home = client.get("/").content.decode()
    assert site in home
    for url in (massage.get_absolute_url(), reverse("reviews:list", kwargs={"slug": massage.slug})):
        html = client.get(url).content.decode()
        head = html.split("</head>", 1)[0]
        assert site in head and guide in head, url


def test_a_feed_reader_that_has_the_feed_gets_304_until_it_changes(client, massage, publish, committed):
    review = publish(massage, title="First")
    for url in (SITE_FEED, MASSAGE_FEED):
        first = client.get(url)
        assert "Last-Modified" not in first, "the newest date does not change when a review leaves the feed"
        again = client.get(url, headers={"If-None-Match": first["ETag"]})
        assert again.status_code == 304 and again.content == b""
    committed(lambda: review_withdraw(review=review, by=review.author))
    for url in (SITE_FEED, MASSAGE_FEED):
        assert client.get(url, headers={"If-None-Match": first["ETag"]}).status_code == 200


def test_feeds_refuse_writes(client, guides):
    assert client.post(SITE_FEED).status_code == 405 and client.post(MASSAGE_FEED).status_code == 405
    assert client.head(SITE_FEED).status_code == 200


@pytest.mark.parametrize("url", [SITE_FEED, MASSAGE_FEED])
def test_a_feed_costs_the_same_queries_for_one_review_as_for_many(client, massage, warts, publish, url):
    def count() -> int:
        client.cookies["sessionid"] = "not-a-session"  # not a visitor: rendered each time, never the page cache
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    publish(massage)
    one = count()
    for procedure in (massage, warts, massage, warts, massage):
        publish(procedure)
    assert count() == one
    assert len(entries(Client(), url)) > 1


def test_a_visitor_gets_the_guides_feed_from_the_cache(client, massage, publish):
    publish(massage)
    client.get(MASSAGE_FEED)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(MASSAGE_FEED).status_code == 200
    assert len(queries) <= 1, "at most the read of the guide's generation (database cache)"
