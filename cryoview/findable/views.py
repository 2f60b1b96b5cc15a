"""robots.txt and sitemap.xml, with absolute addresses from CRYOVIEW_SITE_URL (never from the Host header)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from cryoview.findable.selectors import sitemap_entries

# Crawlers keep out of what only members, moderators and staff use, and out of the search results (an endless
# space of near-duplicate pages). The API's docs are public reading; "Allow" comes first for the crawlers that
# take the first match, and is the longer match for those that take the longest.
ROBOTS_RULES = [
    "User-agent: *",
    "Allow: /api/v1/docs",
    "Disallow: /api/",
    "Disallow: /account/",
    "Disallow: /accounts/",
    "Disallow: /admin/",
    "Disallow: /moderation/",
    "Disallow: /videos/new/",
    "Disallow: /search/",
]


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [*ROBOTS_RULES, "", f"Sitemap: {settings.CONFIG.site_url}{reverse('findable:sitemap')}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@require_GET
def sitemap_xml(request: HttpRequest) -> HttpResponse:
    site = settings.CONFIG.site_url
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n']
    for entry in sitemap_entries():
        lastmod = f"<lastmod>{entry.lastmod.isoformat(timespec='seconds')}</lastmod>" if entry.lastmod else ""
        parts.append(f"<url><loc>{escape(site + entry.path)}</loc>{lastmod}</url>\n")
    parts.append("</urlset>\n")
    return HttpResponse("".join(parts), content_type="application/xml; charset=utf-8")
