"""Each public page describes itself from its own content: meta description, canonical link, Open Graph and
Twitter card tags, escaped and bounded; the poster is the preview image only for a published video."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.safestring import mark_safe

from cryoview.accounts.tests.factories import UserFactory
from cryoview.findable.templatetags.findable import DESCRIPTION_CHARS, meta_text
from cryoview.reviews.tests.factories import pending_review, published_review, ready_video

pytestmark = pytest.mark.django_db
XSS = '"><script>alert(1)</script>&'


class HeadTags(HTMLParser):
    """The <meta> and <link rel=canonical> of a page, by name or property (each must appear once)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        key = found.get("name") or found.get("property")
        if tag == "meta" and key:
            self.tags.setdefault(key, []).append(found.get("content") or "")
        if tag == "link" and found.get("rel") == "canonical":
            self.tags.setdefault("canonical", []).append(found.get("href") or "")


def head(client, url: str) -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200
    parser = HeadTags()
    parser.feed(response.content.decode())
    assert all(len(values) == 1 for values in parser.tags.values()), parser.tags
    return {key: values[0] for key, values in parser.tags.items()}


def absolute(path: str) -> str:
    return settings.CONFIG.site_url + path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (mark_safe("<p>Short &amp; <b>plain</b></p>"), "Short & plain"),
        ("a <b> is text here", "a <b> is text here"),
        ("  many\n\n  spaces\t", "many spaces"),
        (None, ""),
    ],
)
def test_meta_text_is_plain_and_one_line(text, expected):
    assert meta_text(text) == expected


def test_meta_text_is_bounded_and_cut_at_a_word():
    text = meta_text("word " * 100)
    assert len(text) <= DESCRIPTION_CHARS and text.endswith("word…")
    assert len(meta_text("x" * 400)) == DESCRIPTION_CHARS


def test_home_has_its_own_canonical_and_preview_without_image(client, massage):
    tags = head(client, "/?utm_source=x")
    assert tags["canonical"] == absolute("/") and tags["og:url"] == absolute("/")
    assert tags["description"].startswith("Sourced guides") and tags["og:type"] == "website"
    assert tags["twitter:card"] == "summary" and "og:image" not in tags


def test_a_guide_is_described_by_its_summary(client, massage):
    url = reverse("procedures:detail", kwargs={"slug": massage.slug})
    tags = head(client, url)
    assert tags["description"] == meta_text(massage.summary) and tags["description"]
    assert tags["og:description"] == tags["description"] and tags["twitter:description"] == tags["description"]
    assert tags["og:title"] == massage.name and tags["og:type"] == "article"
    assert tags["canonical"] == absolute(url)


def test_the_review_list_has_one_canonical_whatever_its_filters(client, massage):
    url = reverse("reviews:list", kwargs={"slug": massage.slug})
    tags = head(client, url + "?rating=5&sort=newest")
    assert tags["canonical"] == absolute(url)
    assert massage.name in tags["description"] and tags["og:title"] == f"Reviews of {massage.name}"


def test_a_review_is_described_by_its_title_and_text_escaped(client, massage):
    review = published_review(massage, title=f"Cold {XSS}", body="It stung for a minute. " * 20)
    response = client.get(reverse("reviews:detail", args=[review.pk]))
    assert b"<script>alert(1)" not in response.content
    tags = head(client, reverse("reviews:detail", args=[review.pk]))
    assert tags["og:title"] == review.title
    assert tags["description"].startswith(f"Cold {XSS} — It stung for a minute.")
    assert len(tags["description"]) <= DESCRIPTION_CHARS
    assert "og:image" not in tags and tags["twitter:card"] == "summary"


def test_a_review_with_a_published_video_shares_its_poster(client, massage, clean_private_store):
    author = UserFactory()
    video = ready_video(author)
    review = published_review(massage, author, video_id=video.pk, title="With a video")
    poster = absolute(reverse("videos:media", args=[video.pk, "poster.jpg"]))
    tags = head(client, reverse("reviews:detail", args=[review.pk]))
    assert tags["og:image"] == poster and tags["twitter:image"] == poster
    assert tags["twitter:card"] == "summary_large_image"
    player = head(client, reverse("videos:player", kwargs={"video_id": video.pk}))
    assert player["og:image"] == poster and player["og:type"] == "video.other"
    assert player["og:title"] == "With a video" and "With a video" in player["description"]


def test_an_unpublished_video_never_becomes_a_preview_image(client, massage, clean_private_store):
    author = UserFactory()
    video = ready_video(author)
    review = pending_review(massage, author, video_id=video.pk)
    client.force_login(author)
    tags = head(client, reverse("reviews:detail", args=[review.pk]))
    assert "og:image" not in tags
    assert "og:image" not in head(client, reverse("videos:player", kwargs={"video_id": video.pk}))
