"""The clinic door for reports, as a table over the personas; bad input at it; and what no clinic report can do:
change a review's rating, text or place in the list."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cryoview.accounts.services import token_issue
from cryoview.clinics.models import Clinic, ClinicLogEntry, ClinicReport, ReviewAttribution
from cryoview.clinics.tests.factories import make_staff
from cryoview.moderation.models import Report
from cryoview.moderation.tests.factories import established
from cryoview.procedures.models import Procedure
from cryoview.reviews.models import Review
from cryoview.reviews.tests.factories import published_review

pytestmark = pytest.mark.django_db
PERSONAS = ["visitor", "member", "clinic_staff", "other_clinic_staff", "moderator"]


@pytest.fixture
def massage(guides) -> Procedure:
    return Procedure.objects.get(slug="facial-cryomassage")


@pytest.fixture
def threshold(settings) -> int:
    settings.CONFIG = replace(settings.CONFIG, reports_hide_threshold=3, reports_per_hour=1000)
    return 3


@pytest.fixture
def reviewed(massage, clinic_staff, other_clinic_staff) -> Review:
    """A published review of Nordlicht (the clinic_staff persona's clinic)."""
    review = published_review(massage, title="A frank review of Nordlicht")
    ReviewAttribution.objects.create(review=review, clinic=Clinic.objects.get(slug="nordlicht-skin-clinic"))
    return review


def nothing_stored() -> bool:
    return not Report.objects.exists() and not ClinicReport.objects.exists() and not ClinicLogEntry.objects.exists()


PAGE = "/clinics/nordlicht-skin-clinic/staff/reviews/{id}/report/"
API = "/api/v1/clinics/nordlicht-skin-clinic/reviews/{id}/reports"
DOOR = [
    ("GET", "page", {"visitor": 404, "member": 404, "clinic_staff": 200, "other_clinic_staff": 404, "moderator": 404}),
    ("POST", "page", {"visitor": 404, "member": 404, "clinic_staff": 302, "other_clinic_staff": 404, "moderator": 404}),
    ("POST", "api", {"visitor": 401, "member": 404, "clinic_staff": 201, "other_clinic_staff": 404, "moderator": 404}),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "door", "expected"), DOOR, ids=[f"{m} {d}" for m, d, _ in DOOR])
def test_who_may_use_the_clinic_door(client, request, reviewed, persona, method, door, expected):
    user = request.getfixturevalue(persona)
    headers = {}
    if user is not None:
        client.force_login(user)
        if door == "api":
            headers = {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user, name='t').secret}"}
            client.logout()
    url = (PAGE if door == "page" else API).format(id=reviewed.pk)
    if method == "GET":
        response = client.get(url)
    elif door == "page":
        response = client.post(url, {"reason": "fake_or_paid"})
    else:
        response = client.post(url, {"reason": "fake_or_paid"}, content_type="application/json", **headers)
    assert response.status_code == expected[persona], f"{persona} {method} {door}"
    if method == "POST" and expected[persona] in (201, 302):
        assert ClinicReport.objects.filter(review=reviewed, report__reporter=user).count() == 1
    else:
        assert nothing_stored(), f"{persona} {method} {door} left something behind"
    if response.status_code == 404 and door == "page":
        assert "Nordlicht" not in response.text, "a 404 says nothing about the clinic or the review"


BAD_FORMS = [
    ({}, "reason"),
    ({"reason": "because"}, "reason"),
    ({"reason": "other"}, "details"),
    ({"reason": "other", "details": "x" * 2001}, "details"),
    ({"reason": "fake_or_paid", "details": "nul\x00byte"}, "details"),
    ({"reason": "fake_or_paid", "part": "video"}, "part"),  # the review has no video
    ({"reason": "fake_or_paid", "part": "audio"}, "part"),
]


@pytest.mark.parametrize(("form", "field"), BAD_FORMS, ids=[f"{f}-{i}" for i, (_, f) in enumerate(BAD_FORMS)])
def test_bad_input_at_the_page_door_names_the_field_and_stores_nothing(client, reviewed, clinic_staff, form, field):
    client.force_login(clinic_staff)
    response = client.post(PAGE.format(id=reviewed.pk), form)
    assert response.status_code == 422, response.status_code
    assert f'id="{field}-problem"' in response.text, "the problem is shown next to its field"
    assert nothing_stored()


@pytest.mark.parametrize(("form", "field"), BAD_FORMS, ids=[f"{f}-{i}" for i, (_, f) in enumerate(BAD_FORMS)])
def test_bad_input_at_the_api_door_is_a_422_naming_the_field(client, reviewed, clinic_staff, form, field):
    token = {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=clinic_staff, name='t').secret}"}
    response = client.post(API.format(id=reviewed.pk), form, content_type="application/json", **token)
    assert response.status_code == 422, response.text
    assert field in {problem["field"].split(".")[-1] for problem in response.json()["errors"]}, response.json()
    assert nothing_stored()


@pytest.mark.parametrize("review_id", ["0", "-1", "99999999999999999999", "abc"])
def test_a_hostile_review_id_at_the_api_door_is_4xx(client, reviewed, clinic_staff, review_id):
    token = {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=clinic_staff, name='t').secret}"}
    url = f"/api/v1/clinics/nordlicht-skin-clinic/reviews/{review_id}/reports"
    response = client.post(url, {"reason": "fake_or_paid"}, content_type="application/json", **token)
    assert response.status_code in (404, 422)
    assert nothing_stored()


def test_a_second_report_of_the_same_review_is_a_409_and_changes_nothing(client, reviewed, clinic_staff):
    token = {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=clinic_staff, name='t').secret}"}
    url = API.format(id=reviewed.pk)
    assert client.post(url, {"reason": "fake_or_paid"}, content_type="application/json", **token).status_code == 201
    again = client.post(url, {"reason": "other", "details": "again"}, content_type="application/json", **token)
    assert again.status_code == 409
    assert Report.objects.count() == 1 and ClinicReport.objects.count() == 1 and ClinicLogEntry.objects.count() == 1


# --- nothing a clinic does can change a review's rating, text or place in the list -------------------------


FIELDS = ("rating", "title", "body", "status", "hidden_at", "published_at", "worth_it", "updated_at")


def snapshot(review: Review) -> dict[str, object]:
    review.refresh_from_db()
    return {name: getattr(review, name) for name in FIELDS if hasattr(review, name)}


def test_a_clinics_reports_change_nothing_a_reader_sees(client, massage, clinic_staff, threshold):
    nordlicht = Clinic.objects.get(slug="nordlicht-skin-clinic")
    reviews = []
    for n in range(5):
        review = published_review(massage, title=f"Review {n}", rating=1 + n % 5)
        ReviewAttribution.objects.create(review=review, clinic=nordlicht)
        reviews.append(review)
    listing = f"/api/v1/procedures/{massage.slug}/reviews?sort=lowest"
    order_before = [item["id"] for item in client.get(listing).json()["items"]]
    clinic_order_before = client.get(nordlicht.get_absolute_url()).text.split("Reviews</h2>", 1)[1]
    rows_before = {review.pk: snapshot(review) for review in reviews}
    staff = established(4, prefix="nordlicht")
    for person in staff:
        make_staff(person, nordlicht)
    for person in staff:  # every member of staff reports every review: the page door and the API door
        token = {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=person, name='t').secret}"}
        for review in reviews:
            client.post(API.format(id=review.pk), {"reason": "fake_or_paid"}, content_type="application/json", **token)
    assert ClinicReport.objects.count() == 4 * 5
    assert [item["id"] for item in client.get(listing).json()["items"]] == order_before
    assert {review.pk: snapshot(review) for review in reviews} == rows_before
    after = client.get(nordlicht.get_absolute_url()).text.split("Reviews</h2>", 1)[1]
    titles = [f"Review {n}" for n in range(5)]
    assert sorted(titles, key=after.index) == sorted(titles, key=clinic_order_before.index)
    assert all(title in after for title in titles), "every review still listed"
