"""robots.txt and sitemap.xml: the sitemap lists exactly the public pages, and every way a review or video
stops being public takes it out at once (it is computed from the same conditions on each request)."""

from __future__ import annotations

from collections.abc import Callable
from xml.etree import ElementTree  # our own response, not untrusted input

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from cryoview.accounts.tests.factories import UserFactory
from cryoview.moderation.enums import Decision
from cryoview.moderation.services import review_decide
from cryoview.reviews.services import review_hide, review_take_down, review_withdraw, video_remove_for
from cryoview.reviews.tests.factories import factory_moderator, pending_review, published_review, ready_video

pytestmark = pytest.mark.django_db
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap(client: Client) -> dict[str, str | None]:
    """The sitemap's addresses, each with its lastmod (None when it has none)."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)  # noqa: S314
    urls = {}
    for url in root.findall("s:url", NS):
        lastmod = url.find("s:lastmod", NS)
        urls[url.findtext("s:loc", namespaces=NS) or ""] = None if lastmod is None else lastmod.text
    return urls


def absolute(path: str) -> str:
    return settings.CONFIG.site_url + path


def review_url(review) -> str:
    return absolute(reverse("reviews:detail", args=[review.pk]))


def video_url(video_id) -> str:
    return absolute(reverse("videos:player", kwargs={"video_id": video_id}))


@pytest.fixture
def video_review(massage, clean_private_store):
    author = UserFactory()
    video = ready_video(author)
    return published_review(massage, author, video_id=video.pk, title="A review with a video")


def test_robots_keeps_crawlers_out_of_private_areas_and_points_to_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    for private in ("/account/", "/accounts/", "/admin/", "/moderation/", "/api/", "/search/"):
        assert f"Disallow: {private}" in lines
    assert "Allow: /api/v1/docs" in lines
    assert lines.index("Allow: /api/v1/docs") < lines.index("Disallow: /api/")
    assert not any(line in ("Disallow: /", "Disallow: /procedures/", "Disallow: /reviews/") for line in lines)
    assert f"Sitemap: {settings.CONFIG.site_url}/sitemap.xml" in lines


def test_robots_and_sitemap_refuse_writes(client):
    assert client.post("/robots.txt").status_code == 405
    assert client.post("/sitemap.xml").status_code == 405


def test_the_sitemap_lists_home_guides_published_reviews_and_their_videos_with_absolute_urls(client, video_review):
    plain = published_review(video_review.procedure, title="Plain review")
    urls = sitemap(client)
    assert absolute("/") in urls
    guide = absolute(reverse("procedures:detail", kwargs={"slug": "facial-cryomassage"}))
    assert urls[guide] is not None  # the guide's last change
    assert review_url(video_review) in urls and review_url(plain) in urls
    assert urls[review_url(plain)] is not None
    assert urls[video_url(video_review.video_id)] is not None
    assert all(url.startswith(settings.CONFIG.site_url + "/") for url in urls)


def test_nothing_awaiting_moderation_or_rejected_is_listed(client, massage):
    pending = pending_review(massage, title="Waiting")
    rejected = pending_review(massage, title="Refused")
    review_decide(review=rejected, by=factory_moderator(), decision=Decision.REJECT, reason="Advertising.")
    urls = sitemap(client)
    assert review_url(pending) not in urls and review_url(rejected) not in urls


def test_a_video_of_a_review_awaiting_moderation_is_not_listed(client, massage, clean_private_store):
    author = UserFactory()
    video = ready_video(author)
    pending_review(massage, author, video_id=video.pk)
    assert video_url(video.pk) not in sitemap(client)


UNPUBLISHING: dict[str, Callable] = {
    "withdrawn by its author": lambda r: review_withdraw(review=r, by=r.author),
    "taken down by a moderator": lambda r: review_take_down(review=r, by=factory_moderator(), reason="Advertising."),
    "hidden after reports": lambda r: review_hide(review=r),
}


@pytest.mark.parametrize("path", list(UNPUBLISHING))
def test_a_review_that_stops_being_public_leaves_the_sitemap_with_its_video(client, video_review, path):
    before = sitemap(client)
    assert review_url(video_review) in before and video_url(video_review.video_id) in before
    video_id = video_review.video_id
    UNPUBLISHING[path](video_review)
    after = sitemap(client)
    assert review_url(video_review) not in after
    assert video_url(video_id) not in after


def test_a_hidden_review_kept_by_a_moderator_comes_back(client, video_review):
    review_hide(review=video_review)
    assert review_url(video_review) not in sitemap(client)
    review_decide(review=video_review, by=factory_moderator(), decision=Decision.APPROVE)
    assert review_url(video_review) in sitemap(client)


def test_a_deleted_video_leaves_the_sitemap_and_its_review_stays(client, video_review):
    video_id = video_review.video_id
    video_remove_for(user=video_review.author, video_id=video_id)
    urls = sitemap(client)
    assert video_url(video_id) not in urls
    assert review_url(video_review) in urls


def test_an_unpublished_guide_takes_its_reviews_out(client, video_review):
    procedure = video_review.procedure
    procedure.is_published = False
    procedure.save(update_fields=["is_published"])
    urls = sitemap(client)
    assert absolute(reverse("procedures:detail", kwargs={"slug": procedure.slug})) not in urls
    assert review_url(video_review) not in urls and video_url(video_review.video_id) not in urls


def test_the_sitemap_escapes_what_it_lists(client, settings, massage):
    settings.CONFIG = type(settings.CONFIG)(**{**vars(settings.CONFIG), "site_url": "https://a.example?x=1&y=2"})
    response = client.get("/sitemap.xml")
    assert b"x=1&amp;y=2" in response.content
    ElementTree.fromstring(response.content)  # noqa: S314
