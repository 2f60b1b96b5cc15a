"""What the sitemap lists: exactly the pages a visitor can open, computed on every request from the same
conditions the pages use, so a review or video leaves the sitemap in the transaction that unpublishes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.urls import reverse

from cryoview.clinics.selectors.directory import clinics_public
from cryoview.procedures.models import Procedure
from cryoview.procedures.selectors import procedure_list_published
from cryoview.reviews.enums import ReviewStatus
from cryoview.reviews.models import Review
from cryoview.videos.models import Video


@dataclass(frozen=True)
class Listed:
    path: str
    lastmod: datetime | None


def reviews_public() -> QuerySet[Review]:
    """Published, not hidden (review_list_visible's condition), under a published guide."""
    return Review.objects.filter(status=ReviewStatus.PUBLISHED, hidden_at__isnull=True, procedure__is_published=True)


# A feed reader fetches the whole document every time: the newest fifty cover weeks of reviews, and the bytes stay
# small (each entry carries the review's text).
FEED_ENTRIES = 50


def reviews_for_feed(*, procedure: Procedure | None = None) -> list[Review]:
    """The newest public reviews (of one procedure, or of every published guide), newest publication first, at
    most FEED_ENTRIES, with their author and procedure: one query however many there are. The same condition as
    the sitemap, so a review leaves the feed in the transaction that unpublishes it."""
    queryset = reviews_public().select_related("author", "procedure").order_by("-published_at", "-id")
    if procedure is not None:
        queryset = queryset.filter(procedure=procedure)
    return list(queryset[:FEED_ENTRIES])


def videos_public() -> QuerySet[Video]:
    """Published videos that a public review shows. A published video whose review was withdrawn, taken down
    or hidden is left out even while its own flag lags behind: the sitemap must never lead to it."""
    shown = reviews_public().filter(video__isnull=False).values("video_id")
    return Video.objects.filter(is_published=True, pk__in=shown)


def sitemap_entries() -> list[Listed]:
    """The home page, every published guide, every public review and video page, the clinics directory and
    every listed clinic, with their last change."""
    entries = [Listed(reverse("home"), None)]
    entries += [
        Listed(reverse("procedures:detail", kwargs={"slug": slug}), updated)
        for slug, updated in procedure_list_published().values_list("slug", "updated_at")
    ]
    entries += [
        Listed(reverse("reviews:detail", args=[pk]), updated)
        for pk, updated in reviews_public().order_by("pk").values_list("pk", "updated_at")
    ]
    videos = videos_public().order_by("created_at", "pk").values_list("pk", "ready_at", "created_at")
    entries += [
        Listed(reverse("videos:player", kwargs={"video_id": pk}), ready or created) for pk, ready, created in videos
    ]
    entries.append(Listed(reverse("clinics:directory"), None))
    entries += [
        Listed(reverse("clinics:detail", args=[slug]), updated)
        for slug, updated in clinics_public().values_list("slug", "updated_at")
    ]
    return entries
