"""The head tags that make a page findable and its shared link a proper preview: the meta description, the
canonical link, Open Graph and Twitter card tags. Each page passes its own content; this only shapes it."""

from __future__ import annotations

import html
import re
from typing import Any

from django import template
from django.conf import settings
from django.utils.html import format_html, strip_tags
from django.utils.safestring import SafeData, mark_safe

from cryoview.findable.structured import json_for_script, review_data, video_data
from cryoview.reviews.models import Review
from cryoview.videos.models import Video

register = template.Library()

# Search engines show about this many characters of a description; longer is cut mid-word by them.
DESCRIPTION_CHARS = 155
DEFAULT_DESCRIPTION = "Sourced guides and honest video reviews of cosmetic cryotherapy."
_SPACE = re.compile(r"\s+")


def _plain(value: object) -> str:
    text = html.unescape(strip_tags(str(value))) if isinstance(value, SafeData) else str(value or "")
    return _SPACE.sub(" ", text).strip()


@register.filter
def meta_text(value: object, limit: int = DESCRIPTION_CHARS) -> str:
    """`value` in one plain line of at most `limit` characters, cut at a word with "…". Markup marked safe (a
    review's rendered text, `|safe`) is reduced to its text; anything else is text already, angle brackets
    included. Not escaped here: the template's autoescape does it once."""
    text = _plain(value)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.—-") + "…"


@register.simple_tag
def absolute_url(path: str) -> str:
    """An address on this site as the outside world reaches it (CRYOVIEW_SITE_URL, never the Host header)."""
    return settings.CONFIG.site_url + path if path.startswith("/") else path


@register.inclusion_tag("findable/head.html", takes_context=True)
def page_meta(
    context: template.Context,
    *description: object,
    title: str = "Cryoview",
    image: str = "",
    kind: str = "website",
) -> dict[str, Any]:
    """The description is the page's own words, given in parts (e.g. a review's title and its text) joined by
    spaces; `image` is a path on this site (a published video's poster) or empty; `kind` is the og:type. The
    canonical address is the page's path without its query: filters, sorts and cursors are one page."""
    request = context.get("request")
    path = request.path if request is not None else "/"
    return {
        "title": meta_text(title, 90),
        "description": meta_text(" ".join(_plain(part) for part in description)) or DEFAULT_DESCRIPTION,
        "canonical": absolute_url(path),
        "image": absolute_url(image) if image else "",
        "kind": kind,
    }


@register.simple_tag
def json_ld(data: dict[str, Any] | None) -> str:
    """One <script type="application/ld+json"> for `data` (nothing for None)."""
    if not data:
        return ""
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(json_for_script(data)))  # noqa: S308 - escaped for <script> by json_for_script


@register.simple_tag
def review_structured(review: Review) -> dict[str, Any] | None:
    return review_data(review)


@register.simple_tag
def video_structured(video: Video | None, name: str) -> dict[str, Any] | None:
    return video_data(video, name=name) if video is not None else None
