"""oEmbed discovery: the <link> that lets a consumer (a forum, a CMS) find the embed of a review or video page."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString

from cryoview.findable.oembed import discovery_href
from cryoview.videos.models import Video
from cryoview.videos.selectors import video_embeddable

register = template.Library()


@register.simple_tag(takes_context=True)
def oembed_link(context: template.Context, video: Video | None) -> SafeString | str:
    """On the page of `video` (or of its review): the discovery link, only when a visitor may embed it."""
    request = context.get("request")
    use = video_embeddable(video=video) if video is not None and request is not None else None
    if use is None or request is None:
        return ""
    return format_html(
        '<link rel="alternate" type="application/json+oembed" href="{}" title="{}">',
        discovery_href(settings.CONFIG.site_url + request.path),
        use.title,
    )
