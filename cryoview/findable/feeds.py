"""Atom feeds of newly published reviews: site-wide (/feeds/reviews.atom) and per guide
(/procedures/<slug>/reviews.atom), with Django's syndication framework.

Entries are exactly the public reviews (findable.selectors.reviews_for_feed: the sitemap's condition), so a review
that is withdrawn, taken down, hidden after reports or deleted with its account leaves the feed at once. Every text
is a member's plain text and goes out as Atom text (`type="text"`), never as HTML a reader would interpret.
"""

from __future__ import annotations

import html
import re
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse
from django.utils.cache import get_conditional_response, set_response_etag
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import strip_tags
from django.utils.xmlutils import SimplerXMLGenerator
from django.views.decorators.http import require_safe

from cryoview.core.pagecache import for_visitors
from cryoview.findable.selectors import reviews_for_feed
from cryoview.findable.structured import absolute
from cryoview.procedures.models import Procedure
from cryoview.procedures.selectors import SLUG, procedure_get_for_page, procedure_scope
from cryoview.reviews.models import Review

# XML 1.0 cannot carry these at all (Django's writer refuses them with an exception, which would be a 500): a
# member's text loses them, as it loses nothing a reader could see.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_BLOCK_END = re.compile(r"</(?:p|blockquote|ul|ol|h[1-6])>", re.IGNORECASE)
_LINE_END = re.compile(r"</li>|<br\s*/?>", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n\s*\n\s*")


def xml_text(value: str) -> str:
    return _NOT_XML.sub("", value)


def review_summary(review: Review) -> str:
    """The entry's plain text: the rating and the procedure, then the review's words (its sanitised HTML reduced
    to text, paragraphs kept apart by a blank line)."""
    marked = _LINE_END.sub("\n", _BLOCK_END.sub("\n\n", review.body_html))
    words = _BLANK_LINES.sub("\n\n", html.unescape(strip_tags(marked))).strip()
    return xml_text(f"Rated {review.rating} of 5 · {review.procedure.name}\n\n{words}")


class TextAtomFeed(Atom1Feed):
    """Atom whose summaries are text: Django's Atom1Feed marks them `type="html"`, which would make a reader
    render a member's "<b>" as markup."""

    def add_item_elements(self, handler: SimplerXMLGenerator, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, {**item, "description": None})
        if item["description"] is not None:
            handler.addQuickElement("summary", item["description"], {"type": "text"})


class ReviewFeed(Feed):  # type: ignore[type-arg]  # django-stubs' Feed generics do not fit a per-object feed
    """New reviews of one guide (`slug`), or of every published guide (no slug). Addresses are absolute from
    CRYOVIEW_SITE_URL, never from the Host header (the syndication framework only prefixes relative ones)."""

    feed_type = TextAtomFeed
    language = "en"

    def get_object(self, request: HttpRequest, slug: str | None = None) -> Procedure | None:
        if slug is None:
            return None
        procedure = procedure_get_for_page(slug=slug)
        if procedure is None:
            raise Http404("No guide with this address.")
        return procedure

    def title(self, obj: Procedure | None) -> str:
        return xml_text(f"New reviews of {obj.name} · Cryoview" if obj else "New reviews · Cryoview")

    def subtitle(self, obj: Procedure | None) -> str:
        what = xml_text(obj.name) if obj else "cosmetic cryotherapy"
        return f"Reviews of {what} by people who had it, as each is published after moderation."

    def link(self, obj: Procedure | None) -> str:
        return absolute(reverse("reviews:list", kwargs={"slug": obj.slug}) if obj else reverse("home"))

    def feed_url(self, obj: Procedure | None) -> str:
        if obj is None:
            return absolute(reverse("findable:reviews-feed"))
        return absolute(reverse("findable:procedure-reviews-feed", kwargs={"slug": obj.slug}))

    def feed_guid(self, obj: Procedure | None) -> str:
        return self.feed_url(obj)

    def items(self, obj: Procedure | None) -> list[Review]:
        return reviews_for_feed(procedure=obj)

    def item_title(self, item: Review) -> str:
        return xml_text(item.title)

    def item_link(self, item: Review) -> str:
        return absolute(reverse("reviews:detail", args=[item.pk]))

    def item_guid(self, item: Review) -> str:
        return self.item_link(item)

    def item_description(self, item: Review) -> str:
        return review_summary(item)

    def item_author_name(self, item: Review) -> str:
        return xml_text(item.author.public_name)

    # Published and updated are both the publication: an entry's time is when the public could first read it.
    def item_pubdate(self, item: Review) -> Any:
        return item.published_at

    def item_updateddate(self, item: Review) -> Any:
        return item.published_at

    def item_categories(self, item: Review) -> tuple[str, ...]:
        return (xml_text(item.procedure.name),)


_feed = ReviewFeed()


def _conditional(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """An ETag of the bytes, and 304 for a reader that has them. Not Last-Modified (the syndication framework sets
    it to the newest entry's date): a review that leaves the feed changes the feed but not that date, and a
    reader asking "modified since?" would keep the review."""
    if not isinstance(response, HttpResponse) or response.status_code != 200:
        return response
    del response["Last-Modified"]
    set_response_etag(response)
    return get_conditional_response(request, etag=response["ETag"], response=response) or response


@require_safe
def reviews_feed(request: HttpRequest) -> HttpResponseBase:
    return _conditional(request, _feed(request))


@require_safe
def procedure_reviews_feed(request: HttpRequest, slug: str) -> HttpResponseBase:
    """Kept for visitors (a feed reader has no session) until the guide's reviews change, like the guide page."""
    if not SLUG.fullmatch(slug):
        raise Http404("No guide with this address.")
    return _conditional(request, for_visitors(request, procedure_scope(slug), lambda: _feed(request, slug=slug)))
