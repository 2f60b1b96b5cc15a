# ruff: noqa: F811 - the shared fixtures are imported, then asked for by name
"""Hostile strings in the clinic APIs: a NUL byte, a lone surrogate or a 5,000-character slug in a path is a 404, in
a body's `procedure` a 422 naming the field; never a database error (PostgreSQL refuses NUL, SQLite cannot encode a
lone surrogate). Every clinics API operation with a slug in its path is here, and the staff pages with a slug."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cryoview.accounts.services import token_issue
from cryoview.clinics.models import Clinic, Invitation
from cryoview.reviews.tests.conftest import massage  # noqa: F401 - shared fixtures

pytestmark = pytest.mark.django_db

HOSTILE = ["%00", "%ED%A0%80", "a" * 5000, "nordlicht%00"]
HOSTILE_IDS = ["nul", "surrogate", "long", "slug-then-nul"]

# (method, path with {slug}): every operation of the clinics API with a clinic's slug in its path.
OPERATIONS = [
    ("post", "/api/v1/clinics/{slug}/invitations"),
    ("get", "/api/v1/clinics/{slug}/invitations"),
    ("post", "/api/v1/clinics/{slug}/invitations/1/revoke"),
    ("post", "/api/v1/clinics/{slug}/reviews/1/reports"),
    ("post", "/api/v1/clinics/{slug}/claims"),
    ("post", "/api/v1/clinics/{slug}/practitioners/1/credential-checks"),
    ("get", "/api/v1/clinics/{slug}"),
    ("get", "/api/v1/clinics/{slug}/stats"),
    ("get", "/api/v1/clinics/{slug}/practitioners"),
]
MULTIPART = {
    "/claims": {"job_title": "Manager"},
    "/credential-checks": {"licence_number": "A1", "issuing_body": "Board", "country": "DE"},
}
BODIES = {
    "/invitations": {"count": 1},
    "/reports": {"reason": "other", "details": "x"},
}


def bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user, name='test').secret}"}


@pytest.fixture
def nordlicht(clinic_staff, massage) -> Clinic:
    clinic = Clinic.objects.get(slug="nordlicht-skin-clinic")
    clinic.procedures.add(massage)
    return clinic


@pytest.mark.parametrize("slug", HOSTILE, ids=HOSTILE_IDS)
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_a_hostile_slug_in_the_path_is_a_404(client, nordlicht, clinic_staff, method, path, slug):
    url = path.format(slug=slug)
    if method == "get":
        response = client.get(url, **bearer(clinic_staff))
    elif (form := next((f for end, f in MULTIPART.items() if path.endswith(end)), None)) is not None:
        document = SimpleUploadedFile("proof.pdf", b"%PDF-1.4 proof", content_type="application/pdf")
        response = client.post(url, {**form, "document": document}, **bearer(clinic_staff))
    else:
        body = next((b for end, b in BODIES.items() if path.endswith(end)), {})
        response = client.post(url, json.dumps(body), content_type="application/json", **bearer(clinic_staff))
    assert response.status_code == 404, response.content[:300]
    assert Invitation.objects.count() == 0


@pytest.mark.parametrize("procedure", ["\x00", "\ud800", "a" * 5000, "facial\x00"], ids=HOSTILE_IDS)
def test_a_hostile_procedure_in_the_body_is_a_422_naming_it(client, nordlicht, clinic_staff, procedure):
    # json.dumps writes the lone surrogate as the escape \ud800, which the server's parser turns back into one
    body = json.dumps({"count": 1, "procedure": procedure})
    response = client.post(
        "/api/v1/clinics/nordlicht-skin-clinic/invitations",
        body,
        content_type="application/json",
        **bearer(clinic_staff),
    )
    assert response.status_code == 422, response.content[:300]
    assert "procedure" in response.text
    assert Invitation.objects.count() == 0


@pytest.mark.parametrize("slug", HOSTILE, ids=HOSTILE_IDS)
@pytest.mark.parametrize(
    "path",
    ["/clinics/{slug}/staff/", "/clinics/{slug}/staff/invitations/", "/clinics/{slug}/claim/"],
)
def test_a_hostile_slug_on_a_staff_page_is_a_404(client, nordlicht, clinic_staff, path, slug):
    client.force_login(clinic_staff)
    assert client.get(path.format(slug=slug)).status_code == 404
