"""schema.org JSON-LD for guides, reviews and their videos, built as dicts (never concatenated text) from what the page
already shows; the template tag serialises them once, escaped for a <script> element."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.html import strip_tags

from cryoview.procedures.enums import ProcedureKind
from cryoview.procedures.models import Procedure
from cryoview.procedures.selectors import CitedSource
from cryoview.reviews.models import Review
from cryoview.reviews.selectors import STATS_MEANINGFUL_COUNT
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


# Who reviewed a guide, or wrote or published a source, is stored as a name only. A name that says it is a group
# ("Cryoview editorial team", "British Association of Dermatologists", "Kingston Hospital NHS Foundation Trust")
# is an Organization; any other name ("A. Oakley") is a Person.
_ORGANISATION = re.compile(
    r"\b(?:team|editors?|editorial|board|committee|association|society|college|trust|foundation|hospital|clinic"
    r"|university|institute|department|ministry|agency|service|nhs|cryoview)\b",
    re.IGNORECASE,
)


def agent(name: str) -> dict[str, Any]:
    return {"@type": "Organization" if _ORGANISATION.search(name) else "Person", "name": name}


def procedure_thing(procedure: Procedure) -> dict[str, Any]:
    """The procedure a guide is about: a MedicalTherapy when the guide calls it medical (freezing growths), a
    MedicalProcedure otherwise (a cosmetic massage treats nothing). MedicalTherapy is a kind of MedicalProcedure."""
    kind = "MedicalTherapy" if procedure.kind == ProcedureKind.MEDICAL else "MedicalProcedure"
    url = absolute(reverse("procedures:detail", kwargs={"slug": procedure.slug}))
    return {"@type": kind, "name": procedure.name, "url": url}


def citation_data(cited: CitedSource) -> dict[str, Any]:
    """A source as the guide cites it: its name is the guide's own label, so what it is stays attached ("… (an
    unsourced, translated beauty article)"), and its description is how much weight it carries."""
    source = cited.source
    data: dict[str, Any] = {"@type": "CreativeWork", "name": cited.label}
    if source.reliability:
        data["description"] = source.reliability
    if source.url:
        data["url"] = source.url
    if source.author:
        data["author"] = agent(source.author)
    if source.publisher:
        data["publisher"] = {"@type": "Organization", "name": source.publisher}
    return data


def guide_page_data(*, procedure: Procedure, sources: Sequence[CitedSource]) -> dict[str, Any]:
    """A published guide as schema.org/MedicalWebPage: when and by whom it was last reviewed, its sources as
    citations, the procedure it is about, for patients. Everything here changes only with a revision of the guide."""
    thing = procedure_thing(procedure)
    return {
        "@context": CONTEXT,
        "@type": "MedicalWebPage",
        "name": procedure.name,
        "url": thing["url"],
        "description": procedure.summary,
        "about": thing,
        "mainEntity": thing,
        "lastReviewed": procedure.reviewed_on.isoformat(),
        "reviewedBy": agent(procedure.reviewed_by),
        "medicalAudience": {"@type": "MedicalAudience", "audienceType": "Patient"},
        "citation": [citation_data(cited) for cited in sources],
    }


def with_rating(page: dict[str, Any], stats: dict[str, Any]) -> dict[str, Any]:
    """The page data with the published reviews' AggregateRating once there are STATS_MEANINGFUL_COUNT of them
    (the count below which the guide itself says "too few to say much"); the page data unchanged below that.

    schema.org allows aggregateRating on a CreativeWork, an Organization, a Product..., not on a MedicalEntity
    (MedicalProcedure is one), so it hangs on the MedicalWebPage, with the procedure as its itemReviewed: what
    was rated is the procedure, not the page. `stats` are the stored aggregates the page shows (published,
    visible reviews only), never counted a second way."""
    count = stats.get("count") or 0
    average = (stats.get("rating") or {}).get("average")
    if count < STATS_MEANINGFUL_COUNT or average is None:
        return page
    rating = {
        "@type": "AggregateRating",
        "itemReviewed": page["about"],
        "ratingValue": average,
        "ratingCount": count,
        "reviewCount": count,
        "bestRating": 5,
        "worstRating": 1,
    }
    return {**page, "aggregateRating": rating}
