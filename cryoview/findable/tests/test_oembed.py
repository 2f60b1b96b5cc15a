"""oEmbed: the answer for review and video addresses (exact fields, sizes within maxwidth/maxheight), the errors
(400 naming the parameter, 404, 501), discovery links, escaping, and the VideoObject's embedUrl."""

from __future__ import annotations

import json
import re
import uuid
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.urls import reverse

from cryoview.accounts.tests.factories import UserFactory
from cryoview.findable.oembed import DEFAULT_SIDE, frame_size
from cryoview.findable.tests.test_embed import HOSTILE, captioned_video, embeddable
from cryoview.reviews.tests.factories import pending_review, published_review
from cryoview.videos.models import Video

pytestmark = pytest.mark.django_db
FIELDS = {
    "type",
    "version",
    "title",
    "author_name",
    "provider_name",
    "provider_url",
    "html",
    "width",
    "height",
    "thumbnail_url",
    "thumbnail_width",
    "thumbnail_height",
}


def site(path: str) -> str:
    return settings.CONFIG.site_url + path


def review_url(review) -> str:
    return site(reverse("reviews:detail", args=[review.pk]))


def video_url(video) -> str:
    return site(reverse("videos:player", kwargs={"video_id": video.pk}))


def ask(client, **params: str):
    return client.get(reverse("findable:oembed"), params)


class IframeParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def iframe_of(markup: str) -> dict[str, str | None]:
    parser = IframeParser()
    parser.feed(markup)
    assert [tag for tag, _ in parser.tags] == ["iframe"], markup
    return parser.tags[0][1]


@pytest.mark.parametrize(
    ("aspect", "maxwidth", "maxheight", "expected"),
    [
        (16 / 9, None, None, (640, 360)),
        (9 / 16, None, None, (360, 640)),
        (16 / 9, 480, None, (480, 270)),
        (16 / 9, 1280, None, (1280, 720)),
        (16 / 9, None, 180, (320, 180)),
        (16 / 9, 1000, 180, (320, 180)),  # the height is the tighter limit
        (16 / 9, 320, 1000, (320, 180)),  # the width is
        (9 / 16, 200, None, (200, 355)),  # rounded down, never above a limit
        (9 / 16, None, 100, (56, 100)),
        (1.0, 1, 1, (1, 1)),
        (16 / 9, 1, None, (1, 1)),  # never a zero-pixel frame
    ],
)
def test_frame_size(aspect, maxwidth, maxheight, expected):
    width, height = frame_size(aspect=aspect, maxwidth=maxwidth, maxheight=maxheight)
    assert (width, height) == expected
    assert width <= (maxwidth or DEFAULT_SIDE) or maxwidth is None
    assert maxheight is None or height <= maxheight


def test_the_answer_for_a_review_address(client, massage, clean_private_store):
    review, video = embeddable(massage)
    response = ask(client, url=review_url(review), format="json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    answer = response.json()
    assert set(answer) == FIELDS
    embed = site(reverse("videos:embed", kwargs={"video_id": video.pk}))
    assert {k: v for k, v in answer.items() if k != "html"} == {
        "type": "video",
        "version": "1.0",
        "title": "Cold but fine",
        "author_name": review.author.public_name,
        "provider_name": "Cryoview",
        "provider_url": site("/"),
        "width": 360,  # the phone's upright 720x1280, within the default 640 x 640 box
        "height": 640,
        "thumbnail_url": site(f"/media/videos/{video.pk}/poster.jpg"),
        "thumbnail_width": 720,
        "thumbnail_height": 1280,
    }
    frame = iframe_of(answer["html"])
    assert frame["src"] == embed
    assert (frame["width"], frame["height"]) == ("360", "640")
    assert frame["title"] == "Cold but fine · Cryoview"
    assert "allowfullscreen" in frame
    assert "@" not in json.dumps(answer), "no e-mail address"


def test_the_same_answer_for_the_video_and_embed_addresses(client, massage, clean_private_store):
    review, video = embeddable(massage)
    by_review = ask(client, url=review_url(review)).json()
    embed = site(reverse("videos:embed", kwargs={"video_id": video.pk}))
    for url in (video_url(video), embed, video_url(video).replace("http://", "https://", 1)):
        assert ask(client, url=url).json() == by_review, url


def test_sizes_follow_maxwidth_and_maxheight(client, massage, clean_private_store):
    _review, video = embeddable(massage)
    Video.objects.filter(pk=video.pk).update(width=1280, height=720)
    for params, size in [
        ({}, (640, 360)),
        ({"maxwidth": "480"}, (480, 270)),
        ({"maxheight": "180"}, (320, 180)),
        ({"maxwidth": "1000", "maxheight": "180"}, (320, 180)),
        ({"maxwidth": "", "maxheight": ""}, (640, 360)),  # empty is no limit, as some consumers send it
    ]:
        answer = ask(client, url=video_url(video), **params).json()
        assert (answer["width"], answer["height"]) == size, params
        frame = iframe_of(answer["html"])
        assert (frame["width"], frame["height"]) == tuple(str(n) for n in size)


def test_a_moment_in_the_address_starts_the_embed_there(client, massage, clean_private_store):
    _, video = embeddable(massage)
    frame = iframe_of(ask(client, url=video_url(video) + "?t=42").json()["html"])
    assert parse_qs(urlsplit(frame["src"] or "").query) == {"t": ["42"]}
    frame = iframe_of(ask(client, url=video_url(video) + "?t=x%00").json()["html"])
    assert "?" not in (frame["src"] or ""), "a bad t is left out"


def test_a_hostile_title_is_escaped_in_the_html(client, massage, clean_private_store):
    review, _ = embeddable(massage, title=HOSTILE)
    answer = ask(client, url=review_url(review)).json()
    assert answer["title"] == HOSTILE, "plain text in JSON: the consumer escapes it where it shows it"
    assert "<script" not in answer["html"] and "<img" not in answer["html"]
    assert "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in answer["html"]
    assert iframe_of(answer["html"])["title"] == f"{HOSTILE} · Cryoview", "one iframe, the title one attribute"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "url"),
        ({"url": ""}, "url"),
        ({"url": "not an address"}, "url"),
        ({"url": "/reviews/1/"}, "url"),
        ({"url": "ftp://127.0.0.1:8000/reviews/1/"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "http://[::1/reviews/1/"}, "url"),
        ({"url": "http://127.0.0.1:99999/reviews/1/"}, "url"),
        ({"url": "http://127.0.0.1:8000/reviews/1/\x00"}, "url"),
        ({"url": "http://127.0.0.1:8000/" + "a" * 3000}, "url"),
        ({"url": "http://127.0.0.1:8000/reviews/1/", "maxwidth": "abc"}, "maxwidth"),
        ({"url": "http://127.0.0.1:8000/reviews/1/", "maxwidth": "0"}, "maxwidth"),
        ({"url": "http://127.0.0.1:8000/reviews/1/", "maxwidth": "-5"}, "maxwidth"),
        ({"url": "http://127.0.0.1:8000/reviews/1/", "maxwidth": "1e3"}, "maxwidth"),
        ({"url": "http://127.0.0.1:8000/reviews/1/", "maxwidth": "٣٠٠"}, "maxwidth"),
        ({"url": "http://127.0.0.1:8000/reviews/1/", "maxwidth": "99999999999999999999999"}, "maxwidth"),
        ({"url": "http://127.0.0.1:8000/reviews/1/", "maxheight": " 300"}, "maxheight"),
        ({"url": "http://127.0.0.1:8000/reviews/1/", "maxheight": "300.5"}, "maxheight"),
    ],
)
def test_a_malformed_parameter_is_a_400_naming_it(client, params, field):
    response = ask(client, **params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["status"] == 400 and body["errors"][0]["field"] == field
    assert body["detail"].startswith(f"{field}: ")


def test_only_json_is_offered(client, massage, clean_private_store):
    review, _ = embeddable(massage)
    for fmt in ("xml", "yaml", "JSON "):
        response = ask(client, url=review_url(review), format=fmt)
        assert response.status_code == 501, fmt
        assert response.json()["errors"][0]["field"] == "format"
    assert ask(client, url=review_url(review), format="json").status_code == 200


def test_404_for_what_is_not_an_embeddable_page_here(client, massage, clean_private_store):
    review, _video = embeddable(massage)
    author = UserFactory()
    unpublished = captioned_video(author)
    waiting = pending_review(massage, author, video_id=unpublished.pk)
    without_video = published_review(massage)
    for url in [
        review_url(review).replace("127.0.0.1", "example.org"),  # a foreign site
        review_url(review).replace(":8000", ":8001"),
        site(reverse("procedures:detail", kwargs={"slug": massage.slug})),  # a page here, but not a review
        site("/no/such/page/"),
        site(reverse("reviews:detail", args=[10**12])),
        site(reverse("videos:player", kwargs={"video_id": uuid.uuid4()})),
        review_url(waiting),
        video_url(unpublished),
        review_url(without_video),
    ]:
        response = ask(client, url=url)
        assert response.status_code == 404, url
        assert response.json()["errors"][0]["field"] == "url"


def test_the_oembed_endpoint_sets_no_cookie(client, massage, clean_private_store):
    review, _ = embeddable(massage)
    response = ask(client, url=review_url(review))
    assert response.status_code == 200 and not response.cookies


DISCOVERY = re.compile(r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)" title="([^"]*)">')


def discovery(client, path: str) -> list[tuple[str, str]]:
    return DISCOVERY.findall(client.get(path).content.decode())


def test_review_and_video_pages_announce_their_oembed(client, massage, clean_private_store):
    review, video = embeddable(massage)
    for url in (review_url(review), video_url(video)):
        found = discovery(client, urlsplit(url).path)
        assert len(found) == 1, url
        href, title = found[0]
        assert title == "Cold but fine"
        query = parse_qs(urlsplit(href.replace("&amp;", "&")).query)
        assert query == {"url": [url], "format": ["json"]}
        assert client.get(href.replace("&amp;", "&").removeprefix(settings.CONFIG.site_url)).status_code == 200


def test_no_announcement_for_what_cannot_be_embedded(client, massage, clean_private_store):
    author = UserFactory()
    video = captioned_video(author)
    waiting = pending_review(massage, author, video_id=video.pk)
    client.force_login(author)  # the author sees both pages; a visitor could not embed them
    assert discovery(client, reverse("reviews:detail", args=[waiting.pk])) == []
    assert discovery(client, reverse("videos:player", kwargs={"video_id": video.pk})) == []
    client.logout()
    without_video = published_review(massage)
    assert discovery(client, reverse("reviews:detail", args=[without_video.pk])) == []


def test_the_video_object_names_its_embed(client, massage, clean_private_store):
    review, video = embeddable(massage)
    html = client.get(reverse("reviews:detail", args=[review.pk])).content.decode()
    blocks = [json.loads(b) for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]
    movie = next(b for b in blocks if b["@type"] == "VideoObject")
    assert movie["embedUrl"] == site(reverse("videos:embed", kwargs={"video_id": video.pk}))
