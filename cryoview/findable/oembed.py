"""oEmbed (https://oembed.com/), as PeerTube and YouTube answer it: given the address of a review or video page on
this site, the iframe of its embeddable player and what a consumer shows around it. What may be embedded is the
video page's own rule for a visitor (videos.selectors.video_get_embeddable); nothing here decides it again."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve, reverse
from django.utils.html import format_html

from cryoview.core.parsing import invalid, parse_int, parse_int_or_none
from cryoview.reviews.selectors import review_get_for
from cryoview.videos.models import Video
from cryoview.videos.selectors import VideoUse, video_get_embeddable

PROVIDER_NAME = "Cryoview"
# Without maxwidth/maxheight the frame fits this box: 640x360 for a 16:9 video, 360x640 for a phone's upright one.
DEFAULT_SIDE = 640
MAX_SIDE = 8192
MAX_URL_CHARS = 2048
WIDESCREEN = 16 / 9
_UNPRINTABLE = re.compile(r"[\x00-\x20\x7f]")


@dataclass(frozen=True)
class Target:
    """What a page address names: a review or a video, and the moment `t` (seconds) it points at, if any."""

    review_id: int | None
    video_id: str | None
    start: int | None


def parse_page_url(value: str | None) -> Target | None:
    """The `url` parameter: an absolute http(s) address (else 400 naming `url`). None when it is well formed
    but not a review or video page of this site (a foreign host, another page): the edge answers 404."""
    if not value:
        raise invalid("url", "is required: the address of a review or video page on this site", status=400)
    if len(value) > MAX_URL_CHARS or _UNPRINTABLE.search(value):
        raise invalid("url", f"must be one address of at most {MAX_URL_CHARS} characters, without spaces", status=400)
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise invalid("url", "is not a valid address", status=400) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise invalid("url", "must be an absolute http or https address", status=400)
    if not _same_site(parts.hostname, port, parts.scheme):
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    start = _start_of(parts.query)
    if match.view_name == "reviews:detail":
        return Target(review_id=match.kwargs["review_id"], video_id=None, start=start)
    if match.view_name in ("videos:player", "videos:embed"):
        return Target(review_id=None, video_id=str(match.kwargs["video_id"]), start=start)
    return None


def _same_site(hostname: str, port: int | None, scheme: str) -> bool:
    """This site's host and port. http and https name the same page (a link copied before the redirect)."""
    site = urlsplit(settings.CONFIG.site_url)
    defaults = {"http": 80, "https": 443}
    same_port = (port is None and site.port is None) or (port or defaults[scheme]) == (
        site.port or defaults[site.scheme]
    )
    return hostname == site.hostname and same_port


def _start_of(query: str) -> int | None:
    values = parse_qs(query).get("t")
    return parse_int_or_none(values[-1] if values else None, min=1, max=24 * 3600)


def parse_side(value: str | None, *, field: str) -> int | None:
    """maxwidth / maxheight: absent or empty is no limit; otherwise a whole number of pixels (else 400)."""
    if value is None or value == "":
        return None
    return parse_int(value, field=field, min=1, max=MAX_SIDE, status=400)


def frame_size(*, aspect: float, maxwidth: int | None, maxheight: int | None) -> tuple[int, int]:
    """The largest frame of the video's aspect (width / height) within the consumer's limits; without any
    limit, within DEFAULT_SIDE x DEFAULT_SIDE. Rounded down: oEmbed forbids exceeding maxwidth or maxheight."""
    if maxwidth is None and maxheight is None:
        maxwidth = maxheight = DEFAULT_SIDE
    width = float(maxwidth) if maxwidth is not None else math.inf
    if maxheight is not None and (width == math.inf or width / aspect > maxheight):
        width = maxheight * aspect
    height = width / aspect
    return max(1, math.floor(width + 1e-9)), max(1, math.floor(height + 1e-9))


def aspect_of(video: Video) -> float:
    """The video's own shape when known (a phone's upright 9:16), else 16:9."""
    if video.width and video.height:
        return video.width / video.height
    return WIDESCREEN


def embeddable_for(target: Target) -> tuple[Video, VideoUse] | None:
    """The video a page address leads to, if a visitor may watch it embedded: a review's video only while a
    visitor may read the review (its page's rule), and the video only by its own page's rule."""
    video_id = target.video_id
    if target.review_id is not None:
        review = review_get_for(review_id=target.review_id, user=None)
        if review is None or review.video_id is None:
            return None
        video_id = str(review.video_id)
    return video_get_embeddable(video_id=video_id) if video_id is not None else None


def embed_url(video: Video, *, start: int | None = None) -> str:
    path = reverse("videos:embed", kwargs={"video_id": video.pk})
    return settings.CONFIG.site_url + path + (f"?{urlencode({'t': start})}" if start else "")


def iframe_html(*, src: str, title: str, width: int, height: int) -> str:
    """The markup a consumer pastes into its page: every value escaped (a review's title is anyone's text)."""
    return str(
        format_html(
            '<iframe src="{}" width="{}" height="{}" title="{}" style="border:0" loading="lazy" '
            'allow="fullscreen; picture-in-picture" allowfullscreen></iframe>',
            src,
            width,
            height,
            f"{title} · Cryoview",
        )
    )


def oembed_answer(
    *, target: Target, maxwidth: int | None = None, maxheight: int | None = None
) -> dict[str, Any] | None:
    """The oEmbed "video" response for a page address, or None when there is nothing a visitor may embed."""
    found = embeddable_for(target)
    if found is None:
        return None
    video, use = found
    width, height = frame_size(aspect=aspect_of(video), maxwidth=maxwidth, maxheight=maxheight)
    answer: dict[str, Any] = {
        "type": "video",
        "version": "1.0",
        "title": use.title,
        "author_name": use.author_name,
        "provider_name": PROVIDER_NAME,
        "provider_url": settings.CONFIG.site_url + "/",
        "html": iframe_html(src=embed_url(video, start=target.start), title=use.title, width=width, height=height),
        "width": width,
        "height": height,
    }
    poster = video.rendition_largest  # the pipeline takes the poster from the largest rendition, at its size
    if video.poster_path and poster is not None:
        answer["thumbnail_url"] = settings.CONFIG.site_url + reverse("videos:media", args=[video.pk, "poster.jpg"])
        answer["thumbnail_width"], answer["thumbnail_height"] = poster.width, poster.height
    return answer


def discovery_href(page_url: str) -> str:
    """The oEmbed address of a page, for its <link rel="alternate" type="application/json+oembed">."""
    return settings.CONFIG.site_url + reverse("findable:oembed") + "?" + urlencode({"url": page_url, "format": "json"})
