"""Labels counted separately in the aggregates: Verified, Invited and no label, each with its n, and a mean rating
only from STATS_MEANINGFUL_COUNT reviews with the label. The guide's numbers carry them (stored and cached with
the other numbers, through reviews.breakdowns), as do a clinic's page and both stats APIs; the list filters by them."""

from __future__ import annotations

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cryoview.clinics.enums import ReviewLabel
from cryoview.clinics.models import Clinic, ReviewAttribution
from cryoview.clinics.selectors.labels import LABELS_BREAKDOWN
from cryoview.clinics.tests.factories import make_clinic
from cryoview.procedures.models import Procedure
from cryoview.reviews.breakdowns import register_stats_breakdown, unregister_stats_breakdown
from cryoview.reviews.models import Review
from cryoview.reviews.selectors import STATS_MEANINGFUL_COUNT, stats_compute, stats_get
from cryoview.reviews.stats import stats_refresh
from cryoview.reviews.tests.factories import pending_review, published_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def massage(guides) -> Procedure:
    return Procedure.objects.get(slug="facial-cryomassage")


def labelled(procedure: Procedure, clinic: Clinic | None, label: str, rating: int) -> Review:
    review = published_review(procedure, rating=rating)
    if clinic is not None:
        ReviewAttribution.objects.create(review=review, clinic=clinic, label=label)
    return review


@pytest.fixture
def world(massage) -> Clinic:
    """Nordlicht: 5 Verified (ratings 5,5,4,4,2: mean 4.0), 2 Invited (5 and 5), 1 without a label; plus one review
    with no attribution at all (no label) and one pending Verified review (never counted)."""
    clinic = make_clinic("Nordlicht Skin Clinic")
    for rating in (5, 5, 4, 4, 2):
        labelled(massage, clinic, ReviewLabel.VERIFIED, rating)
    for _ in range(2):
        labelled(massage, clinic, ReviewLabel.INVITED, 5)
    labelled(massage, clinic, ReviewLabel.NONE, 1)
    labelled(massage, None, ReviewLabel.NONE, 3)
    waiting = pending_review(massage, rating=1)
    ReviewAttribution.objects.create(review=waiting, clinic=clinic, label=ReviewLabel.VERIFIED)
    stats_refresh(procedure=massage)  # the attributions came after publishing here; in life they come with it
    return clinic


def rows(stats: dict) -> list[tuple[str, int, float | None]]:
    return [(row["label"], row["count"], row["average_rating"]) for row in stats["by_label"]]


def text_of(body: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_the_guides_stats_count_each_label_and_average_only_from_enough_reviews(massage, world):
    assert STATS_MEANINGFUL_COUNT == 5, "the test's numbers assume the house's rule of five"
    stored = stats_get(procedure=massage)
    assert stored["count"] == 9
    assert rows(stored) == [("verified", 5, 4.0), ("invited", 2, None), ("none", 2, None)]
    assert sum(row["count"] for row in stored["by_label"]) == stored["count"], "every counted review has one row"


def test_the_guides_stats_api_carries_the_labels(client, massage, world):
    body = client.get(f"/api/v1/procedures/{massage.slug}/stats").json()
    assert [(r["label"], r["name"], r["count"], r["average_rating"]) for r in body["by_label"]] == [
        ("verified", "Verified", 5, 4.0),
        ("invited", "Invited", 2, None),
        ("none", "No label", 2, None),
    ]


def test_the_clinic_stats_api_counts_its_own_reviews_by_label(client, world):
    body = client.get(f"/api/v1/clinics/{world.slug}/stats").json()
    assert body["count"] == 8
    assert rows(body) == [("verified", 5, 4.0), ("invited", 2, None), ("none", 1, None)]


@pytest.mark.parametrize("where", ["guide", "review list", "clinic"])
def test_the_pages_show_a_table_with_n(client, massage, world, where):
    path = {
        "guide": massage.get_absolute_url(),
        "review list": f"/procedures/{massage.slug}/reviews/",
        "clinic": world.get_absolute_url(),
    }[where]
    body = client.get(path).text
    assert '<caption class="h4">By label</caption>' in body
    text = text_of(body)
    verified_n = 5
    assert f"Verified {verified_n} 4.0 of 5 (n = {verified_n})" in text
    assert "Invited 2 too few to average" in text
    none_n = 1 if where == "clinic" else 2
    assert f"No label {none_n} too few to average" in text


def test_stats_without_the_breakdown_are_as_before(massage, world):
    unregister_stats_breakdown("by_label")
    try:
        assert "by_label" not in stats_compute(procedure=massage)
    finally:
        register_stats_breakdown(LABELS_BREAKDOWN)
    assert "by_label" in stats_compute(procedure=massage)


def test_stats_counted_before_labels_show_no_table_until_the_recount(client, massage, world):
    from cryoview.reviews.models import ReviewStats

    row = ReviewStats.objects.get(procedure=massage)
    row.data = {key: value for key, value in row.data.items() if key != "by_label"}
    row.save()
    from cryoview.core.pagecache import bump
    from cryoview.procedures.selectors import procedure_scope

    bump(procedure_scope(massage.slug))
    assert "By label" not in client.get(massage.get_absolute_url()).text
    assert client.get(f"/api/v1/procedures/{massage.slug}/stats").json()["by_label"] == []
    stats_refresh(procedure=massage)
    assert "By label" in client.get(massage.get_absolute_url()).text


def test_the_guide_reads_the_labels_from_the_stored_stats_without_a_query_of_their_own(client, massage, world):
    def guide_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(massage.get_absolute_url()).status_code == 200
        return len(captured)

    guide_queries()  # warm what every page reads once per process
    stats_refresh(procedure=massage)  # a new generation: the guide reads its stored numbers again
    with_labels = guide_queries()
    unregister_stats_breakdown("by_label")
    try:
        stats_refresh(procedure=massage)
        without = guide_queries()
    finally:
        register_stats_breakdown(LABELS_BREAKDOWN)
    assert with_labels == without


# --- the review list's label filter ------------------------------------------------------------------------


@pytest.mark.parametrize(("label", "expected"), [("verified", 5), ("invited", 2), ("none", 2)])
def test_the_list_filters_by_label(client, massage, world, label, expected):
    items = client.get(f"/api/v1/procedures/{massage.slug}/reviews?label={label}&limit=50").json()["items"]
    assert len(items) == expected
    assert {item["label"] for item in items} == {label}


@pytest.mark.parametrize("value", ["gold", "VERIFIED", "", "none,verified", "\x00"])
def test_a_bad_label_is_a_422_naming_label(client, massage, world, value):
    response = client.get(f"/api/v1/procedures/{massage.slug}/reviews", {"label": value})
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["label"]
