# ruff: noqa: F811 - the shared fixtures are imported, then asked for by name
"""The invitations API: create (links or e-mails), list with counts, revoke; 422 naming the field with nothing
stored; another clinic's staff and everyone else 404, a visitor 401; fixed queries for the list."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cryoview.accounts.services import token_issue
from cryoview.clinics.models import Clinic, Invitation
from cryoview.clinics.services.invitations import invitation_links_create, invitation_redeem, invitation_revoke
from cryoview.reviews.tests.conftest import massage, warts  # noqa: F401 - shared fixtures
from cryoview.reviews.tests.factories import published_review

pytestmark = pytest.mark.django_db

URL = "/api/v1/clinics/nordlicht-skin-clinic/invitations"


def bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user, name='test').secret}"}


@pytest.fixture
def nordlicht(clinic_staff, massage) -> Clinic:
    clinic = Clinic.objects.get(slug="nordlicht-skin-clinic")
    clinic.procedures.add(massage)
    return clinic


def post(client, user, body, url=URL):
    return client.post(url, body, content_type="application/json", **bearer(user))


def test_links_are_returned_once_and_work(client, nordlicht, clinic_staff):
    response = post(client, clinic_staff, {"count": 3, "procedure": "facial-cryomassage"})
    assert response.status_code == 201
    body = response.json()
    assert body["count"] == 3 and len(body["links"]) == 3 and len(set(body["links"])) == 3
    assert all(link.startswith("http://testserver/clinics/invitations/") for link in body["links"])
    assert Invitation.objects.filter(batch=body["batch"], procedure__slug="facial-cryomassage").count() == 3
    assert client.get(body["links"][0].removeprefix("http://testserver")).status_code == 200
    listed = client.get(URL, **bearer(clinic_staff)).json()
    assert "links" not in str(listed) and body["links"][0].rsplit("/", 2)[-2] not in str(listed)


def test_emails_are_mailed_and_never_returned(client, nordlicht, clinic_staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, clinic_staff, {"emails": ["ana@example.org", "bo@example.org"]})
    assert response.status_code == 201 and response.json()["links"] == []
    assert len(mail.outbox) == 2 and "example.org" not in response.text
    assert "example.org" not in client.get(URL, **bearer(clinic_staff)).text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "count"),
        ({"count": 1, "emails": ["ana@example.org"]}, "count"),
        ({"count": 0}, "count"),
        ({"count": 51}, "count"),
        ({"count": "many"}, "count"),
        ({"emails": []}, "emails"),
        ({"emails": ["ana@example.org", "nope"]}, "emails"),
        ({"emails": ["ana@example.org", "ANA@example.org "]}, "emails"),
        ({"emails": [f"p{n}@example.org" for n in range(501)]}, "emails"),
        ({"emails": "ana@example.org"}, "emails"),
        ({"count": 1, "procedure": "cryodestruction-of-benign-growths"}, "procedure"),  # not offered here
        ({"count": 1, "procedure": "x" * 201}, "procedure"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_stores_nothing(client, nordlicht, clinic_staff, warts, body, field):
    response = post(client, clinic_staff, body)
    assert response.status_code == 422, response.text
    assert field in {error["field"] for error in response.json()["errors"]}
    assert Invitation.objects.count() == 0 and len(mail.outbox) == 0


def test_an_address_invited_recently_refuses_the_batch(client, nordlicht, clinic_staff):
    assert post(client, clinic_staff, {"emails": ["ana@example.org"]}).status_code == 201
    response = post(client, clinic_staff, {"emails": ["bo@example.org", "Ana@Example.org"]})
    assert response.status_code == 422
    assert "address 2: Ana@Example.org was invited by the clinic less than 60 days ago" in response.text
    assert Invitation.objects.count() == 1


def test_the_list_counts_each_batch(client, nordlicht, clinic_staff, member, massage):
    links = invitation_links_create(clinic=nordlicht, by=clinic_staff, count=3).links
    invitation_redeem(token=links[0][1], review=published_review(massage, author=member), by=member)
    invitation_revoke(invitation=links[1][0], by=clinic_staff)
    body = client.get(URL, **bearer(clinic_staff)).json()
    assert (body["sent"], body["became_reviews"], body["validity_days"]) == (3, 1, 60)
    (batch,) = body["batches"]
    assert {k: batch[k] for k in ("sent", "used", "revoked", "expired", "open", "by_email")} == {
        "sent": 3, "used": 1, "revoked": 1, "expired": 0, "open": 1, "by_email": False,
    }  # fmt: skip
    assert [(i["id"], i["status"]) for i in body["open"]] == [(links[2][0].pk, "open")]


def test_revoke(client, nordlicht, clinic_staff):
    invitation = invitation_links_create(clinic=nordlicht, by=clinic_staff).links[0][0]
    url = f"{URL}/{invitation.pk}/revoke"
    response = post(client, clinic_staff, {}, url)
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    again = post(client, clinic_staff, {}, url)
    assert again.status_code == 409
    assert post(client, clinic_staff, {}, f"{URL}/999999/revoke").status_code == 404
    # A path id is bounded (ge=1, a bigint): 0 or a larger number is a 422, not a database error.
    assert post(client, clinic_staff, {}, f"{URL}/0/revoke").status_code == 422
    assert post(client, clinic_staff, {}, f"{URL}/99999999999999999999/revoke").status_code == 422


@pytest.mark.parametrize(
    ("persona", "create", "listing", "revoke"),
    [
        ("anonymous", 401, 401, 401),
        ("member", 404, 404, 404),
        ("clinic_staff", 201, 200, 200),
        ("other_clinic_staff", 404, 404, 404),
        ("moderator", 404, 404, 404),
    ],
)
def test_permission_table(
    request, client, nordlicht, clinic_staff, other_clinic_staff, member, moderator, persona, create, listing, revoke
):
    invitation = invitation_links_create(clinic=nordlicht, by=clinic_staff).links[0][0]
    headers = {} if persona == "anonymous" else bearer(request.getfixturevalue(persona))
    created = client.post(URL, {"count": 1}, content_type="application/json", **headers)
    assert created.status_code == create
    assert client.get(URL, **headers).status_code == listing
    revoked = client.post(f"{URL}/{invitation.pk}/revoke", **headers)
    assert revoked.status_code == revoke
    assert Invitation.objects.count() == (2 if create == 201 else 1)
    # Another clinic's staff cannot reach this clinic's invitation through their own clinic either.
    if persona == "other_clinic_staff":
        theirs = f"/api/v1/clinics/frost-co-cosmetics/invitations/{invitation.pk}/revoke"
        assert client.post(theirs, **headers).status_code == 404
    invitation.refresh_from_db()
    assert (invitation.revoked_at is not None) == (revoke == 200)


def test_the_list_costs_the_same_queries_for_one_batch_and_for_many(client, nordlicht, clinic_staff):
    headers = bearer(clinic_staff)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, **headers).status_code == 200
        return len(captured)

    invitation_links_create(clinic=nordlicht, by=clinic_staff)
    queries()
    few = queries()
    for _ in range(5):
        invitation_links_create(clinic=nordlicht, by=clinic_staff, count=2)
    assert queries() == few
