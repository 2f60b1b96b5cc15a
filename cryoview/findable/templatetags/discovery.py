"""What lets programs find a guide's content: its JSON-LD (MedicalWebPage) and the links to the review feeds."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.cache import caches
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from cryoview.findable.structured import absolute, guide_page_data, with_rating
from cryoview.procedures.models import Procedure
from cryoview.reviews.selectors import stats_get_for_page

register = template.Library()

# As long as the guide's own cached fragments (procedures/detail.html): the key names the revision, so an edit
# shows at once; the age only bounds memory.
GUIDE_LD_SECONDS = 600


@register.simple_tag
def guide_structured(procedure: Procedure, guide: Any) -> dict[str, Any]:
    """The guide's MedicalWebPage, kept per revision in this process (the sources come from `guide`, which is
    built only when its revision's fragments are missing, as they then are), with the AggregateRating from the
    stored aggregates the guide's numbers show (stats_get_for_page: read once for both)."""
    key = f"guide-ld:{procedure.slug}:{getattr(procedure, 'revision_hash', '')}"
    fragments = caches["fragments"]
    page: dict[str, Any] | None = fragments.get(key)
    if page is None:
        page = guide_page_data(procedure=procedure, sources=guide.sources)
        fragments.set(key, page, timeout=GUIDE_LD_SECONDS)
    return with_rating(page, stats_get_for_page(procedure=procedure))


@register.simple_tag
def review_feed_links(procedure: Procedure | None = None) -> SafeString:
    """Autodiscovery links: the procedure's feed of new reviews (when given), then the site-wide one."""
    links = []
    if procedure is not None:
        href = absolute(reverse("findable:procedure-reviews-feed", kwargs={"slug": procedure.slug}))
        links.append((href, f"New reviews of {procedure.name} (Atom)"))
    links.append((absolute(reverse("findable:reviews-feed")), "New reviews on Cryoview (Atom)"))
    return format_html_join("\n", '<link rel="alternate" type="application/atom+xml" href="{}" title="{}">', links)
