"""The directory's API: shapes, filters, 404s for what is not listed, 422s naming the field, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cryoview.clinics.enums import ClinicStatus, Profession, ReviewLabel
from cryoview.clinics.models import ReviewAttribution
from cryoview.clinics.tests.factories import make_clinic, make_practitioner
from cryoview.procedures.models import Procedure
from cryoview.reviews.tests.factories import published_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def massage(guides) -> Procedure:
    return Procedure.objects.get(slug="facial-cryomassage")


@pytest.fixture
def warts(guides) -> Procedure:
    return Procedure.objects.get(slug="cryodestruction-of-benign-growths")


def test_the_list_and_its_filters(client, massage, warts):
    berlin = make_clinic("Nordlicht Skin Clinic", city="Berlin")
    berlin.procedures.add(massage)
    ReviewAttribution.objects.create(review=published_review(massage), clinic=berlin)
    make_clinic("Frost & Co Cosmetics", city="Hamburg").procedures.add(warts)
    make_clinic("Eisblume", city="Berlin", status=ClinicStatus.SUGGESTED)

    body = client.get("/api/v1/clinics").json()
    assert [c["slug"] for c in body["items"]] == ["frost-co-cosmetics", "nordlicht-skin-clinic"]
    assert body["next_cursor"] is None
    nordlicht = body["items"][1]
    assert nordlicht == {
        "slug": "nordlicht-skin-clinic",
        "name": "Nordlicht Skin Clinic",
        "city": "Berlin",
        "country": "DE",
        "procedures": [
            {
                "slug": "facial-cryomassage",
                "name": massage.name,
                "page": massage.get_absolute_url(),
                "practitioner": "cosmetologist",
            }
        ],
        "review_count": 1,
        "page": "/clinics/nordlicht-skin-clinic/",
    }
    assert [c["slug"] for c in client.get("/api/v1/clinics?city=berlin").json()["items"]] == ["nordlicht-skin-clinic"]
    only_warts = client.get(f"/api/v1/clinics?procedure={warts.slug}").json()["items"]
    assert [c["slug"] for c in only_warts] == ["frost-co-cosmetics"]


def test_the_list_pages_with_a_cursor(client, massage):
    for n in range(5):
        make_clinic(f"Clinic {n}")
    first = client.get("/api/v1/clinics?limit=2").json()
    second = client.get(f"/api/v1/clinics?limit=2&cursor={first['next_cursor']}").json()
    third = client.get(f"/api/v1/clinics?limit=2&cursor={second['next_cursor']}").json()
    names = [c["name"] for page in (first, second, third) for c in page["items"]]
    assert names == [f"Clinic {n}" for n in range(5)]
    assert third["next_cursor"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("procedure=time-travel", "procedure"),
        ("procedure=%00", "procedure"),
        ("city=%00", "city"),
        ("city=" + "x" * 81, "city"),
        ("cursor=zzz", "cursor"),
        ("cursor=WyJhIiwtMV0", "cursor"),  # ["a",-1]
        ("cursor=WyJhIiwxLjVd", "cursor"),  # ["a",1.5]
        ("limit=0", "limit"),
        ("limit=51", "limit"),
        ("limit=x", "limit"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(client, massage, query, field):
    response = client.get(f"/api/v1/clinics?{query}")
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_the_list_costs_the_same_queries_for_one_clinic_and_for_many(client, massage, warts):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/clinics").status_code == 200
        return len(captured)

    make_clinic("Clinic A").procedures.add(massage)
    one = queries()
    for n in range(10):
        clinic = make_clinic(f"Clinic B{n}")
        clinic.procedures.add(massage, warts)
        ReviewAttribution.objects.create(review=published_review(warts), clinic=clinic)
    assert queries() == one


def test_a_clinic_its_practitioners_and_the_rule_they_break(client, warts):
    clinic = make_clinic("Nordlicht Skin Clinic", website="https://nordlicht.example.org/")
    clinic.procedures.add(warts)
    anna = make_practitioner(clinic, credentials_checked_on=dt.date(2026, 11, 3))
    lena = make_practitioner(clinic, name="Lena Kraus", profession=Profession.COSMETOLOGIST)
    body = client.get("/api/v1/clinics/nordlicht-skin-clinic").json()
    assert body["website"] == "https://nordlicht.example.org/"
    assert [(p["id"], p["credentials_checked_on"]) for p in body["practitioners"]] == [
        (anna.pk, "2026-11-03"),
        (lena.pk, None),
    ]
    [mismatch] = body["mismatches"]
    assert mismatch["procedure"] == warts.slug and mismatch["required"] == "dermatologist"
    assert mismatch["practitioners"] == [lena.pk]
    assert "dermatologist" in mismatch["statement"]
    assert mismatch["guide"].endswith("#claim-dermatologist-only") and mismatch["sources"]
    listed = client.get("/api/v1/clinics/nordlicht-skin-clinic/practitioners").json()
    assert [p["name"] for p in listed] == ["Dr. Anna Weber", "Lena Kraus"]
    one = client.get(f"/api/v1/practitioners/{lena.pk}").json()
    assert one["profession"] == "cosmetologist"
    assert [c["slug"] for c in one["clinics"]] == ["nordlicht-skin-clinic"]
    assert [m["practitioners"] for m in one["mismatches"]] == [[lena.pk]]
    assert client.get(f"/api/v1/practitioners/{anna.pk}").json()["mismatches"] == []


def test_stats_by_label(client, massage):
    clinic = make_clinic("Nordlicht Skin Clinic")
    for rating, label in [(5, ReviewLabel.VERIFIED), (4, ReviewLabel.INVITED), (2, ReviewLabel.NONE)]:
        ReviewAttribution.objects.create(review=published_review(massage, rating=rating), clinic=clinic, label=label)
    stats = client.get("/api/v1/clinics/nordlicht-skin-clinic/stats").json()
    assert stats["count"] == 3
    assert stats["rating"]["average"] == pytest.approx(3.67)
    assert stats["worth_it_percent"] == 100
    assert [(row["label"], row["count"], row["average_rating"]) for row in stats["by_label"]] == [
        ("verified", 1, None),  # one review: too few for an average
        ("invited", 1, None),
        ("none", 1, None),
    ]
    empty = make_clinic("Frost & Co Cosmetics")
    nothing = client.get(f"/api/v1/clinics/{empty.slug}/stats").json()
    assert nothing["count"] == 0 and nothing["rating"]["average"] is None and nothing["worth_it_percent"] is None


@pytest.mark.parametrize("status", [ClinicStatus.SUGGESTED, ClinicStatus.DECLINED])
@pytest.mark.parametrize("tail", ["", "/stats", "/practitioners"])
def test_what_is_not_listed_is_404(client, status, tail):
    make_clinic("Eisblume", status=status)
    for slug in ("eisblume", "no-such-clinic", "Bad%20Slug"):
        response = client.get(f"/api/v1/clinics/{slug}{tail}")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_practitioner_404s_and_bad_ids(client):
    hidden = make_practitioner(make_clinic("Eisblume", status=ClinicStatus.SUGGESTED))
    assert client.get(f"/api/v1/practitioners/{hidden.pk}").status_code == 404
    assert client.get("/api/v1/practitioners/424242").status_code == 404
    for bad in ("0", "abc", str(2**64)):
        response = client.get(f"/api/v1/practitioners/{bad}")
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "practitioner_id"


def test_the_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/clinics",
        "/api/v1/clinics/{slug}",
        "/api/v1/clinics/{slug}/stats",
        "/api/v1/clinics/{slug}/practitioners",
        "/api/v1/practitioners/{practitioner_id}",
    } <= set(paths)
