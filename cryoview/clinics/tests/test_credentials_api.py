"""The API of claims and credential checks: multipart documents, 422 naming the field (nothing stored), the
decisions, my claims, and the lists' query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cryoview.accounts.services import token_issue
from cryoview.accounts.tests.factories import UserFactory
from cryoview.clinics.models import Clinic, ClinicStaff, CredentialCheck, Practitioner
from cryoview.clinics.tests.documents import HTML, clear_documents, png, stored_documents, upload
from cryoview.clinics.tests.factories import make_clinic, make_practitioner

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_documents():
    clear_documents()
    yield
    clear_documents()


def bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user, name='test').secret}"}


@pytest.fixture
def practitioner(clinic_staff) -> Practitioner:
    return make_practitioner(Clinic.objects.get(slug="nordlicht-skin-clinic"))


def credentials_url(practitioner: Practitioner) -> str:
    return f"/api/v1/clinics/nordlicht-skin-clinic/practitioners/{practitioner.pk}/credential-checks"


def licence_form(**changes) -> dict[str, object]:
    form: dict[str, object] = {
        "licence_number": "DE-ARZT-123456",
        "issuing_body": "Ärztekammer Berlin",
        "country": "DE",
        "licence_expires_on": (timezone.localdate() + timedelta(days=400)).isoformat(),
        "document": upload(png(), "licence.png", "image/png"),
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def test_a_claim_over_the_api_then_its_decision_and_my_claims(
    client, member, moderator, django_capture_on_commit_callbacks
):
    clinic = make_clinic("Polar Aesthetics")
    sent = client.post(
        f"/api/v1/clinics/{clinic.slug}/claims", {"job_title": "Owner", "document": upload()}, **bearer(member)
    )
    assert sent.status_code == 201, sent.content
    body = sent.json()
    assert body["status"] == "pending" and body["clinic"] == clinic.slug and len(body["proof_sha256"]) == 64
    decided = client.post(
        f"/api/v1/clinic-claims/{body['id']}/decision",
        {"decision": "reject"},
        content_type="application/json",
        **bearer(moderator),
    )
    assert decided.status_code == 422 and decided.json()["errors"][0]["field"] == "reason"
    with django_capture_on_commit_callbacks(execute=True):
        decided = client.post(
            f"/api/v1/clinic-claims/{body['id']}/decision",
            {"decision": "accept"},
            content_type="application/json",
            **bearer(moderator),
        )
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    mine = client.get("/api/v1/clinic-claims/mine", **bearer(member)).json()
    assert [(c["clinic"], c["status"]) for c in mine] == [(clinic.slug, "approved")]
    assert stored_documents() == []


@pytest.mark.parametrize(
    ("form", "field", "status"),
    [
        ({"document": upload(HTML, "licence.pdf")}, "document", 422),
        ({"document": None}, "document", 422),
        ({"licence_expires_on": "2024-02-30"}, "licence_expires_on", 422),
        ({"licence_expires_on": "2001-01-01"}, "licence_expires_on", 422),
        ({"country": "Deutschland"}, "country", 422),
        ({"licence_number": ""}, "licence_number", 422),
    ],
    ids=["html-as-pdf", "no-document", "no-such-day", "expired", "country", "no-number"],
)
def test_bad_credentials_are_422_naming_the_field_and_leave_nothing(
    client, clinic_staff, practitioner, form, field, status
):
    response = client.post(credentials_url(practitioner), licence_form(**form), **bearer(clinic_staff))
    assert response.status_code == status, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not CredentialCheck.objects.exists() and stored_documents() == []


def test_credentials_over_the_api_then_the_moderators_decision_sets_the_badge(
    client, clinic_staff, moderator, practitioner, django_capture_on_commit_callbacks
):
    sent = client.post(credentials_url(practitioner), licence_form(), **bearer(clinic_staff))
    assert sent.status_code == 201, sent.content
    queue = client.get("/api/v1/credential-checks", **bearer(moderator)).json()
    assert [c["id"] for c in queue] == [sent.json()["id"]] and queue[0]["licence_number"] == "DE-ARZT-123456"
    with django_capture_on_commit_callbacks(execute=True):
        decided = client.post(
            f"/api/v1/credential-checks/{sent.json()['id']}/decision",
            {"decision": "accept"},
            content_type="application/json",
            **bearer(moderator),
        )
    assert decided.status_code == 200
    assert decided.json()["credentials_checked_on"] == timezone.localdate().isoformat()
    assert stored_documents() == []


def test_staff_cannot_reach_another_clinics_practitioner_through_their_own_clinic(
    client, clinic_staff, other_clinic_staff
):
    theirs = make_practitioner(Clinic.objects.get(slug="frost-co-cosmetics"), name="Someone Else")
    response = client.post(credentials_url(theirs), licence_form(), **bearer(clinic_staff))
    assert response.status_code == 404 and stored_documents() == []


def _claims(n: int) -> None:
    for i in range(n):
        clinic = make_clinic(f"Clinic {i} {Clinic.objects.count()}")
        user = UserFactory(email=f"c{i}-{clinic.pk}@example.org")
        ClinicStaff.objects.create(clinic=clinic, user=user, job_title="Owner", proof_sha256="1" * 64)


@pytest.mark.parametrize("url", ["/api/v1/clinic-claims", "/api/v1/credential-checks", "/api/v1/clinic-claims/mine"])
def test_the_lists_cost_the_same_number_of_queries_for_one_item_and_for_many(client, moderator, url):
    headers = bearer(moderator)

    def fill(n: int) -> None:
        _claims(n)
        for i in range(n):
            clinic = Clinic.objects.first()
            assert clinic is not None
            p = make_practitioner(clinic, name=f"P{i}")
            CredentialCheck.objects.create(
                practitioner=p,
                clinic=clinic,
                licence_number="X",
                issuing_body="Y",
                country="DE",
                document_sha256="2" * 64,
            )
            ClinicStaff.objects.create(
                clinic=make_clinic(f"Mine {i} {Clinic.objects.count()}"), user=moderator, proof_sha256="3" * 64
            )

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, **headers)
        assert response.status_code == 200
        return len(captured), len(response.json())

    fill(1)
    queries()
    few, one = queries()
    fill(6)
    many, seven = queries()
    assert one < seven and many == few, f"{url}: {few} queries for {one}, {many} for {seven}"
