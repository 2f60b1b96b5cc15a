# ruff: noqa: F811 - the shared fixtures are imported, then asked for by name
"""A review's clinic, practitioner and label over the API, and the list's filters by them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import clear_caches
from cryoview.accounts.models import User
from cryoview.accounts.tests.factories import PASSWORD
from cryoview.clinics.enums import ClinicStatus, Profession, ReviewLabel
from cryoview.clinics.models import ReviewAttribution
from cryoview.clinics.tests.factories import make_clinic, make_practitioner
from cryoview.reviews.tests.conftest import warts  # noqa: F401 - shared fixture
from cryoview.reviews.tests.factories import published_review

# With a stand-in for the directory's clinic page, which a listed clinic's `page` points at.
pytestmark = [pytest.mark.django_db(transaction=True)]

LIST = "/api/v1/procedures/cryodestruction-of-benign-growths/reviews"


@pytest.fixture
def attributed(warts):
    """Three published reviews: at a listed clinic by a checked dermatologist (Verified), at the same clinic by a
    cosmetologist (Invited), at a suggested clinic (no label); and one with no attribution at all."""
    nordlicht = make_clinic("Nordlicht Skin Clinic")
    waiting = make_clinic("Cryo Mitte", status=ClinicStatus.SUGGESTED)
    anna = make_practitioner(nordlicht, credentials_checked_on=dt.date(2026, 9, 3))
    olga = make_practitioner(nordlicht, name="Olga Ivanova", profession=Profession.COSMETOLOGIST)
    reviews = {name: published_review(warts, title=name) for name in ("anna", "olga", "waiting", "plain")}
    ReviewAttribution.objects.create(review=reviews["anna"], clinic=nordlicht, practitioner=anna, label="verified")
    ReviewAttribution.objects.create(review=reviews["olga"], clinic=nordlicht, practitioner=olga, label="invited")
    ReviewAttribution.objects.create(review=reviews["waiting"], clinic=waiting)
    clear_caches()
    return {"reviews": reviews, "anna": anna, "olga": olga, "clinic": nordlicht}


def titles(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["title"] for item in response.json()["items"]}


def test_every_review_carries_its_clinic_practitioner_and_label(client, attributed):
    items = {item["title"]: item for item in client.get(LIST).json()["items"]}
    anna = items["anna"]
    assert anna["clinic"] == "Nordlicht Skin Clinic" and anna["label"] == "verified"
    assert anna["clinic_detail"] == {
        "slug": "nordlicht-skin-clinic",
        "name": "Nordlicht Skin Clinic",
        "city": "Berlin",
        "country": "DE",
        "status": "listed",
        "page": "/clinics/nordlicht-skin-clinic/",
    }
    assert anna["practitioner"] == {
        "id": attributed["anna"].pk,
        "name": "Dr. Anna Weber",
        "profession": "dermatologist",
        "credentials_checked_on": "2026-09-03",
        "meets_guide": True,
    }
    assert items["olga"]["label"] == "invited" and items["olga"]["practitioner"]["meets_guide"] is False
    waiting = items["waiting"]
    assert waiting["clinic_detail"]["slug"] is None and waiting["clinic_detail"]["status"] == "suggested"
    assert (waiting["label"], waiting["practitioner"]) == ("none", None)
    plain = items["plain"]
    assert (plain["clinic"], plain["clinic_detail"], plain["practitioner"], plain["label"]) == ("", None, None, "none")
    one = client.get(f"/api/v1/reviews/{attributed['reviews']['olga'].pk}").json()
    assert one["label"] == "invited" and one["practitioner"]["name"] == "Olga Ivanova"


def test_the_list_filters_by_clinic_practitioner_and_label(client, attributed):
    assert titles(client.get(f"{LIST}?clinic=nordlicht-skin-clinic")) == {"anna", "olga"}
    assert titles(client.get(f"{LIST}?practitioner={attributed['olga'].pk}")) == {"olga"}
    assert titles(client.get(f"{LIST}?label=verified")) == {"anna"}
    assert titles(client.get(f"{LIST}?label=none")) == {"waiting", "plain"}
    assert titles(client.get(f"{LIST}?label=invited&clinic=nordlicht-skin-clinic")) == {"olga"}
    assert titles(client.get(f"{LIST}?clinic=cryo-mitte")) == set()  # not listed: not a filter value
    assert titles(client.get(f"{LIST}?clinic=no-such-clinic")) == set()


@pytest.mark.parametrize(
    ("query", "field"),
    [("label=gold", "label"), ("practitioner=abc", "practitioner"), ("practitioner=0", "practitioner"),
     ("practitioner=99999999999999999999999", "practitioner"), ("clinic=" + "x" * 81, "clinic")],
)  # fmt: skip
def test_bad_filters_get_a_422_naming_the_field(client, warts, query, field):
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_the_list_counts_no_more_queries_with_many_attributed_reviews(client, attributed, warts):
    with CaptureQueriesContext(connection) as one:  # one review, whose practitioner the guide does not name
        assert titles(client.get(f"{LIST}?practitioner={attributed['olga'].pk}")) == {"olga"}
    clinic = attributed["clinic"]
    for n in range(8):
        author = User.objects.create_user(f"api{n}@example.org", PASSWORD)
        practitioner = make_practitioner(clinic, name=f"P{n}", profession=Profession.NURSE)
        review = published_review(warts, author)
        ReviewAttribution.objects.create(
            review=review, clinic=clinic, practitioner=practitioner, label=ReviewLabel.INVITED
        )
    clear_caches()
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"{LIST}?limit=50")
    assert len(response.json()["items"]) == 12
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]


BODY = {
    "procedure": "cryodestruction-of-benign-growths",
    "rating": 4,
    "worth_it": "worth_it",
    "title": "Gone in two sessions",
    "text": "Cold, then a blister, then nothing.",
    "side_effects": ["none"],
    "consent": True,
}


def auth(user) -> dict[str, str]:
    from cryoview.accounts.services import token_issue

    return {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user, name='test').secret}"}


def post(client, user, body):
    return client.post("/api/v1/reviews", body, content_type="application/json", **auth(user))


def test_a_member_names_the_clinic_through_the_api_as_on_the_page(client, member, warts):
    from cryoview.clinics.models import Clinic
    from cryoview.reviews.models import Review

    clinic = make_clinic("Nordlicht Skin Clinic")
    anna = make_practitioner(clinic)
    elsewhere = make_practitioner(make_clinic("Frost & Co Cosmetics", city="Hamburg"), name="Jens Berg")
    refused = post(client, member, {**BODY, "where": {"clinic": clinic.slug, "practitioner": elsewhere.pk}})
    assert refused.status_code == 422 and [e["field"] for e in refused.json()["errors"]] == ["where.practitioner"]
    refused = post(client, member, {**BODY, "where": {"new_clinic": {"name": "X", "city": "Y", "country": "D3"}}})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "where.new_clinic.country"
    assert not Review.objects.exists() and Clinic.objects.count() == 2
    created = post(client, member, {**BODY, "where": {"clinic": clinic.slug, "practitioner": anna.pk}})
    assert created.status_code == 201, created.content
    review = Review.objects.get()
    assert (review.attribution.clinic, review.attribution.practitioner) == (clinic, anna)
    # Before publication it can change (here: to a suggestion); once published it stays (409), nothing changes.
    url = f"/api/v1/reviews/{review.pk}"
    where = {"where": {"new_clinic": {"name": "Cryo Mitte", "city": "Berlin", "country": "de"}}}
    changed = client.patch(url, where, content_type="application/json", **auth(member))
    assert changed.status_code == 200 and changed.json()["clinic_detail"]["status"] == "suggested"
    from cryoview.reviews.services import review_approve
    from cryoview.reviews.tests.factories import factory_moderator

    review_approve(review=Review.objects.get(), by=factory_moderator())
    again = client.patch(url, {"title": "An edit", "where": None}, content_type="application/json", **auth(member))
    assert again.status_code == 409
    review = Review.objects.get()
    assert review.attribution.clinic.name == "Cryo Mitte" and not review.has_pending_edit
