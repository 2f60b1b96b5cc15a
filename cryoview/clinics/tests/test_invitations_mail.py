# ruff: noqa: F811 - the shared fixtures are imported, then asked for by name
"""Mailed invitations when the mail server fails (the batch is revoked: not counted as sent, no block on a retry;
the user is told, a 503 and never a 500), and two batches at the same moment (one address is never invited twice).
Transactional tests: the mails go out on commit, as in a real request."""

from __future__ import annotations

import json
import smtplib
import threading
import time

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection

from cryoview.accounts.services import token_issue
from cryoview.clinics.models import Clinic, Invitation
from cryoview.clinics.selectors.invitations import invitation_counts
from cryoview.clinics.services import invitations as service
from cryoview.clinics.services.invitations import Address, invitations_send
from cryoview.core.errors import ApplicationError
from cryoview.reviews.tests.conftest import massage  # noqa: F401 - shared fixture

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/clinics/nordlicht-skin-clinic/invitations"


class FailingBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def failing_mail(settings):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.FailingBackend"}}
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    return settings


@pytest.fixture
def nordlicht(clinic_staff, massage) -> Clinic:
    clinic = Clinic.objects.get(slug="nordlicht-skin-clinic")
    clinic.procedures.add(massage)
    return clinic


def bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user, name='test').secret}"}


def test_the_api_answers_503_and_the_batch_blocks_no_retry(client, nordlicht, clinic_staff, failing_mail):
    body = json.dumps({"emails": ["ana@example.org", "bo@example.org"]})
    response = client.post(URL, body, content_type="application/json", **bearer(clinic_staff))
    assert response.status_code == 503, response.content[:300]
    assert response.json()["code"] == "mail_failed" and "mail server" in response.json()["detail"]
    assert Invitation.objects.count() == 2 and not Invitation.objects.filter(revoked_at__isnull=True).exists()
    assert invitation_counts(clinic=nordlicht).sent == 0
    # The mail server is back: the same addresses can be invited at once.
    failing_mail.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    failing_mail.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    again = client.post(URL, body, content_type="application/json", **bearer(clinic_staff))
    assert again.status_code == 201, again.content[:300]
    assert len(mail.outbox) == 2 and invitation_counts(clinic=nordlicht).sent == 2


def test_the_page_tells_the_user_and_answers_503(client, nordlicht, clinic_staff, failing_mail):
    client.force_login(clinic_staff)
    upload = SimpleUploadedFile("patients.csv", b"email\nana@example.org\n", content_type="text/csv")
    response = client.post("/clinics/nordlicht-skin-clinic/staff/invitations/", {"action": "csv", "csv-file": upload})
    assert response.status_code == 503
    assert "The mail server refused the invitations" in response.text
    assert not Invitation.objects.filter(revoked_at__isnull=True).exists()


def test_two_batches_at_the_same_moment_invite_an_address_once(nordlicht, clinic_staff, monkeypatch):
    created, let_first_commit = threading.Event(), threading.Event()
    original = service._create
    outcome: dict[str, object] = {}

    def create_and_hold(**kwargs):
        result = original(**kwargs)
        if threading.current_thread().name == "first":
            created.set()
            let_first_commit.wait(10)
        return result

    monkeypatch.setattr(service, "_create", create_and_hold)

    def send(name: str) -> None:
        try:
            outcome[name] = invitations_send(clinic=nordlicht, by=clinic_staff, addresses=[Address("ana@example.org")])
        except ApplicationError as error:
            outcome[name] = error
        finally:
            connection.close()

    first = threading.Thread(target=send, args=("first",), name="first")
    second = threading.Thread(target=send, args=("second",), name="second")
    first.start()
    assert created.wait(10)
    second.start()
    time.sleep(0.5)  # the second now waits for the clinic's row (or the write transaction on SQLite)
    let_first_commit.set()
    first.join(20)
    second.join(20)
    assert isinstance(outcome["first"], service.CreatedInvitations)
    refused = outcome["second"]
    assert isinstance(refused, ApplicationError) and refused.status == 422, refused
    assert "less than 60 days ago" in refused.problems[0].message
    assert Invitation.objects.count() == 1
