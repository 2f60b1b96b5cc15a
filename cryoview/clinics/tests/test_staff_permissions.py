"""Who may do what, as a table: every page and endpoint of claims, the staff console and the checks, for each
persona. Staff of one clinic get 404 for everything of another clinic, exactly as a visitor gets for a page that
does not exist; the moderators' pages are 404 to everyone else (the API's decisions: 403, as in moderation)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.urls import reverse

from cryoview.accounts.services import token_issue
from cryoview.accounts.tests.factories import UserFactory
from cryoview.clinics.models import Clinic, ClinicStaff, CredentialCheck
from cryoview.clinics.services.claims import clinic_claim_send
from cryoview.clinics.services.credentials import LicenceFields, credential_check_send
from cryoview.clinics.tests.documents import clear_documents, upload
from cryoview.clinics.tests.factories import make_practitioner

pytestmark = pytest.mark.django_db
PERSONAS = ["visitor", "member", "clinic_staff", "other_clinic_staff", "moderator"]


@dataclass
class World:
    clinic: Clinic
    practitioner_id: int
    claim: ClinicStaff
    check: CredentialCheck
    staff_row: ClinicStaff


@pytest.fixture
def world(clinic_staff, other_clinic_staff, member, moderator) -> Iterator[World]:
    from django.utils import timezone

    clear_documents()
    clinic = Clinic.objects.get(slug="nordlicht-skin-clinic")
    practitioner = make_practitioner(clinic)
    waiting = make_practitioner(clinic, name="Waiting Practitioner")
    claimant = UserFactory(email="claimant@example.org")
    claim = clinic_claim_send(clinic=clinic, by=claimant, job_title="Owner", message="", document=upload())
    expires = timezone.localdate().replace(year=timezone.localdate().year + 1)
    check = credential_check_send(
        clinic=clinic,
        practitioner=waiting,
        by=clinic_staff,
        licence=LicenceFields("DE-1", "Ärztekammer Berlin", "DE", expires),
        document=upload(),
    )
    yield World(clinic, practitioner.pk, claim, check, ClinicStaff.objects.get(user=clinic_staff))
    clear_documents()


def _paths(w: World) -> dict[str, str]:
    slug = w.clinic.slug
    return {
        "claim": reverse("clinics:claim", args=[slug]),
        "console": reverse("clinics:staff", args=[slug]),
        "practitioner_new": reverse("clinics:staff_practitioner_new", args=[slug]),
        "practitioner": reverse("clinics:staff_practitioner", args=[slug, w.practitioner_id]),
        "credentials": reverse("clinics:staff_credentials", args=[slug, w.practitioner_id]),
        "checks": reverse("clinics:checks"),
        "claim_document": reverse("clinics:claim_document", args=[w.claim.pk]),
        "check_document": reverse("clinics:check_document", args=[w.check.pk]),
        "claim_decision": reverse("clinics:claim_decision", args=[w.claim.pk]),
        "check_decision": reverse("clinics:check_decision", args=[w.check.pk]),
        "staff_revoke": reverse("clinics:staff_revoke", args=[w.staff_row.pk]),
    }


STAFF_ONLY = {"visitor": 404, "member": 404, "clinic_staff": 200, "other_clinic_staff": 404, "moderator": 404}
MODERATOR_ONLY = {"visitor": 404, "member": 404, "clinic_staff": 404, "other_clinic_staff": 404, "moderator": 200}
PAGES = [
    ("GET", "claim", {"visitor": 302, "member": 200, "clinic_staff": 200, "other_clinic_staff": 200, "moderator": 200}),
    ("GET", "console", STAFF_ONLY),
    ("POST", "console", {**STAFF_ONLY, "clinic_staff": 302}),
    ("GET", "practitioner_new", STAFF_ONLY),
    ("POST", "practitioner_new", {**STAFF_ONLY, "clinic_staff": 302}),
    ("GET", "practitioner", STAFF_ONLY),
    ("POST", "practitioner", {**STAFF_ONLY, "clinic_staff": 302}),
    ("GET", "credentials", STAFF_ONLY),
    ("GET", "checks", MODERATOR_ONLY),
    ("GET", "claim_document", MODERATOR_ONLY),
    ("GET", "check_document", MODERATOR_ONLY),
    ("POST", "claim_decision", {**MODERATOR_ONLY, "moderator": 302}),
    ("POST", "check_decision", {**MODERATOR_ONLY, "moderator": 302}),
    ("POST", "staff_revoke", {**MODERATOR_ONLY, "moderator": 302}),
]
FORMS = {
    "console": {"address": "Friedrichstraße 1", "website": "https://nordlicht.example", "phone": "+49 30 123"},
    "practitioner_new": {"name": "Jana Roth", "profession": "cosmetologist"},
    "practitioner": {"name": "Dr. Anna Weber", "profession": "dermatologist", "licence_number": "DE-ARZT-123456"},
    "claim_decision": {"verdict": "accept"},
    "check_decision": {"verdict": "accept"},
    "staff_revoke": {"reason": "Left the clinic"},
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "page", "expected"), PAGES, ids=[f"{m} {p}" for m, p, _ in PAGES])
def test_pages(client, request, world, persona, method, page, expected):
    user = request.getfixturevalue(persona)
    if user is not None:
        client.force_login(user)
    url = _paths(world)[page]
    response = client.get(url) if method == "GET" else client.post(url, FORMS.get(page, {}))
    assert response.status_code == expected[persona], f"{persona} {method} {url}"
    if expected[persona] == 404:
        assert world.clinic.name not in response.content.decode()  # nothing of the clinic leaks


def _api(w: World) -> dict[str, str]:
    slug = w.clinic.slug
    return {
        "claim": f"/api/v1/clinics/{slug}/claims",
        "mine": "/api/v1/clinic-claims/mine",
        "claims": "/api/v1/clinic-claims",
        "claim_decision": f"/api/v1/clinic-claims/{w.claim.pk}/decision",
        "credentials": f"/api/v1/clinics/{slug}/practitioners/{w.practitioner_id}/credential-checks",
        "checks": "/api/v1/credential-checks",
        "check_decision": f"/api/v1/credential-checks/{w.check.pk}/decision",
    }


DECIDE = {"visitor": 401, "member": 403, "clinic_staff": 403, "other_clinic_staff": 403, "moderator": 200}
ENDPOINTS = [
    # Staff of the clinic already act for it: a second claim is a conflict.
    (
        "POST",
        "claim",
        {"visitor": 401, "member": 201, "clinic_staff": 409, "other_clinic_staff": 201, "moderator": 201},
    ),
    ("GET", "mine", {"visitor": 401, "member": 200, "clinic_staff": 200, "other_clinic_staff": 200, "moderator": 200}),
    ("GET", "claims", DECIDE),
    ("POST", "claim_decision", DECIDE),
    (
        "POST",
        "credentials",
        {"visitor": 401, "member": 404, "clinic_staff": 201, "other_clinic_staff": 404, "moderator": 404},
    ),
    ("GET", "checks", DECIDE),
    ("POST", "check_decision", DECIDE),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "name", "expected"), ENDPOINTS, ids=[f"{m} {n}" for m, n, _ in ENDPOINTS])
def test_endpoints(client, request, world, persona, method, name, expected):
    user = request.getfixturevalue(persona)
    headers = {}
    if user is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token_issue(user=user, name='test').secret}"
    url = _api(world)[name]
    if method == "GET":
        response = client.get(url, **headers)
    elif name == "claim":
        response = client.post(url, {"job_title": "Owner", "document": upload()}, **headers)
    elif name == "credentials":
        form = {"licence_number": "DE-9", "issuing_body": "Ärztekammer Berlin", "country": "DE", "document": upload()}
        response = client.post(url, form, **headers)
    else:
        response = client.post(url, {"decision": "accept"}, content_type="application/json", **headers)
    assert response.status_code == expected[persona], f"{persona} {method} {url}: {response.content[:300]!r}"
