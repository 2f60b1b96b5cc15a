"""JSON-LD on review and video pages, checked against the schema.org types' properties (no network): each
type's required properties present, nothing outside its allowed ones, nested things checked the same way."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.urls import reverse

from cryoview.accounts.tests.factories import UserFactory
from cryoview.findable.structured import iso_duration, json_for_script
from cryoview.reviews.tests.factories import pending_review, published_review, ready_video
from cryoview.videos.models import Transcript

pytestmark = pytest.mark.django_db
TEXT = {"name", "url", "description"}
SCHEMA: dict[str, tuple[set[str], set[str]]] = {
    # type: (required, allowed) — the properties Google's rich results and schema.org expect of each.
    "Review": ({"itemReviewed", "reviewRating", "author", "name"}, {"reviewBody", "datePublished", "url"} | TEXT),
    "Rating": ({"ratingValue"}, {"bestRating", "worstRating"}),
    "Person": ({"name"}, TEXT),
    "MedicalProcedure": ({"name", "url"}, TEXT),
    "VideoObject": (
        {"name", "description", "thumbnailUrl", "uploadDate"},
        {"duration", "contentUrl", "embedUrl", "transcript"} | TEXT,
    ),
    # Guides (schema.org/MedicalWebPage is a WebPage, so a CreativeWork: citation, aggregateRating are its own).
    "MedicalWebPage": (
        {"name", "url", "about", "lastReviewed", "reviewedBy", "citation", "medicalAudience"},
        {"mainEntity", "aggregateRating"} | TEXT,
    ),
    # A MedicalEntity: no aggregateRating (schema.org allows it on CreativeWork, Organization, Product, ... only).
    "MedicalTherapy": ({"name", "url"}, TEXT),
    "MedicalAudience": ({"audienceType"}, set()),
    "Organization": ({"name"}, TEXT),
    "CreativeWork": ({"name"}, {"author", "publisher"} | TEXT),
    "AggregateRating": ({"ratingValue", "ratingCount", "itemReviewed"}, {"reviewCount", "bestRating", "worstRating"}),
}
AGENTS = {"Person", "Organization"}
# What a property may hold (schema.org's "values expected to be one of these types"), for the nested things we use.
RANGES: dict[str, set[str]] = {
    "author": AGENTS,
    "publisher": AGENTS,
    "reviewedBy": AGENTS,
    "reviewRating": {"Rating"},
    "aggregateRating": {"AggregateRating"},
    "citation": {"CreativeWork"},
    "medicalAudience": {"MedicalAudience"},
    "itemReviewed": {"MedicalProcedure", "MedicalTherapy"},
    "about": {"MedicalProcedure", "MedicalTherapy"},
    "mainEntity": {"MedicalProcedure", "MedicalTherapy"},
}
LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
ISO_DURATION = re.compile(r"PT(?:\d+H)?(?:\d+M)?\d+S")


def validate(thing: dict[str, Any], top: bool = True) -> None:
    kind = thing["@type"]
    required, allowed = SCHEMA[kind]
    keys = set(thing) - {"@type", "@context"}
    assert required <= keys, (kind, required - keys)
    assert keys <= required | allowed, (kind, keys - required - allowed)
    assert (thing.get("@context") == "https://schema.org") is top
    for key, value in thing.items():
        for item in value if isinstance(value, list) else [value]:
            if key in RANGES:
                assert isinstance(item, dict) and item.get("@type") in RANGES[key], (kind, key, item)
            if isinstance(item, dict):
                validate(item, top=False)


def structured(client, url: str) -> dict[str, dict[str, Any]]:
    html = client.get(url).content.decode()
    found = [json.loads(block) for block in LD.findall(html)]
    for thing in found:
        validate(thing)
    return {thing["@type"]: thing for thing in found}


def test_the_validator_refuses_a_missing_or_unknown_property():
    with pytest.raises(AssertionError):
        validate({"@context": "https://schema.org", "@type": "Rating"})
    with pytest.raises(AssertionError):
        validate({"@context": "https://schema.org", "@type": "Person", "name": "x", "email": "x@example.org"})
    with pytest.raises(AssertionError):  # aggregateRating is not a property of a MedicalEntity
        validate({**WEB_PAGE["about"], "@context": "https://schema.org", "aggregateRating": {}})


WEB_PAGE: dict[str, Any] = {
    "@context": "https://schema.org",
    "@type": "MedicalWebPage",
    "name": "Guide",
    "url": "https://example.org/g",
    "about": {"@type": "MedicalProcedure", "name": "P", "url": "https://example.org/g"},
    "lastReviewed": "2026-11-24",
    "reviewedBy": {"@type": "Organization", "name": "Editors"},
    "citation": [{"@type": "CreativeWork", "name": "A leaflet"}],
    "medicalAudience": {"@type": "MedicalAudience", "audienceType": "Patient"},
}


@pytest.mark.parametrize(
    "broken",
    [
        {"citation": ["A leaflet"]},  # a citation is a CreativeWork here, not a bare string
        {"citation": [{"@type": "Person", "name": "x"}]},
        {"reviewedBy": {"@type": "Rating", "ratingValue": 1}},
        {"about": {"@type": "Person", "name": "x"}},
        {"aggregateRating": {"@type": "AggregateRating", "ratingValue": 4, "ratingCount": 5}},  # rated what?
        {"reviewedBy": "Editors"},
    ],
)
def test_the_validator_checks_what_each_property_holds(broken):
    validate(WEB_PAGE)
    with pytest.raises(AssertionError):
        validate({**WEB_PAGE, **broken})


def test_json_for_script_cannot_close_its_element():
    text = json_for_script({"name": "</script><script>alert(1)</script> & <!--"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["name"] == "</script><script>alert(1)</script> & <!--"


@pytest.mark.parametrize(
    ("seconds", "expected"), [(0.4, "PT0S"), (72.4, "PT1M12S"), (3600, "PT1H0S"), (3725, "PT1H2M5S")]
)
def test_iso_duration(seconds, expected):
    assert iso_duration(seconds) == expected and ISO_DURATION.fullmatch(expected)


def test_a_published_review_with_a_video(client, massage, clean_private_store):
    author = UserFactory()
    video = ready_video(author, duration=72.4)
    cue = {"start": 0, "end": 3, "text": "It was </script> cold."}
    Transcript.objects.create(video=video, lang="en", segments=[cue])
    review = published_review(massage, author, video_id=video.pk, title="Cold but fine", rating=4)
    found = structured(client, reverse("reviews:detail", args=[review.pk]))
    assert set(found) == {"Review", "VideoObject"}
    assert found["Review"]["reviewRating"]["ratingValue"] == 4
    assert found["Review"]["itemReviewed"]["name"] == massage.name
    assert found["Review"]["itemReviewed"]["url"].endswith(f"/procedures/{massage.slug}/")
    assert "email" not in json.dumps(found)
    movie = found["VideoObject"]
    assert movie["duration"] == "PT1M12S" and movie["transcript"] == "It was </script> cold."
    assert movie["thumbnailUrl"].endswith(f"/media/videos/{video.pk}/poster.jpg")
    on_player = structured(client, reverse("videos:player", kwargs={"video_id": video.pk}))
    assert set(on_player) == {"VideoObject"} and on_player["VideoObject"]["name"] == "Cold but fine"


def test_nothing_for_a_review_or_video_that_is_not_public(client, massage, clean_private_store):
    author = UserFactory()
    video = ready_video(author)
    review = pending_review(massage, author, video_id=video.pk)
    client.force_login(author)
    assert structured(client, reverse("reviews:detail", args=[review.pk])) == {}
    assert structured(client, reverse("videos:player", kwargs={"video_id": video.pk})) == {}
