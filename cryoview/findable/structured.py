"""schema.org JSON-LD for reviews and their videos, built as dicts (never concatenated text) from what the page
already shows; the template tag serialises them once, escaped for a <script> element."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.html import strip_tags

from cryoview.reviews.models import Review
from cryoview.videos.models import Video

CONTEXT = "https://schema.org"
# A transcript in structured data is for search engines; beyond this it only weighs down every page view.
TRANSCRIPT_CHARS = 5000
_SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def absolute(path: str) -> str:
    return settings.CONFIG.site_url + path


def json_for_script(data: dict[str, Any]) -> str:
    """JSON that cannot end its <script> element or open a comment: <, > and & become \\u escapes, which
    every JSON parser reads back as the same characters."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True).translate(_SCRIPT_ESCAPES)


def iso_duration(seconds: float) -> str:
    """ISO 8601, as schema.org's duration wants it: 72.4 -> PT1M12S."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + f"{secs}S"


def review_data(review: Review) -> dict[str, Any] | None:
    """A public review as schema.org/Review, the procedure as its itemReviewed; None unless it is public."""
    if not review.is_visible:
        return None
    procedure = review.procedure
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "Review",
        "name": review.title,
        "url": absolute(reverse("reviews:detail", args=[review.pk])),
        "reviewBody": strip_tags(review.body_html).strip(),
        "author": {"@type": "Person", "name": review.author.public_name},
        "reviewRating": {"@type": "Rating", "ratingValue": review.rating, "bestRating": 5, "worstRating": 1},
        "itemReviewed": {
            "@type": "MedicalProcedure",
            "name": procedure.name,
            "url": absolute(reverse("procedures:detail", kwargs={"slug": procedure.slug})),
        },
    }
    if review.published_at:
        data["datePublished"] = review.published_at.date().isoformat()
    return data


def video_data(video: Video, *, name: str) -> dict[str, Any] | None:
    """A published video as schema.org/VideoObject with its poster, duration and transcript; None otherwise."""
    if not video.is_published or not video.poster_path:
        return None
    uploaded = video.ready_at or video.created_at
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "VideoObject",
        "name": name,
        "description": name,
        "thumbnailUrl": absolute(reverse("videos:media", args=[video.pk, "poster.jpg"])),
        "uploadDate": uploaded.isoformat(timespec="seconds"),
        "url": absolute(reverse("videos:player", kwargs={"video_id": video.pk})),
        "embedUrl": absolute(reverse("videos:embed", kwargs={"video_id": video.pk})),
    }
    if video.duration:
        data["duration"] = iso_duration(video.duration)
    largest = video.rendition_largest
    if largest is not None:
        data["contentUrl"] = absolute(reverse("videos:media", args=[video.pk, largest.filename]))
    transcript = getattr(video, "transcript", None)
    if transcript is not None and transcript.segments:
        text = " ".join(str(cue.get("text", "")).strip() for cue in transcript.segments)
        data["transcript"] = text[:TRANSCRIPT_CHARS]
    return data
