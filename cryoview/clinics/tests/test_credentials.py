"""Credential checks: staff send a licence and a document, a moderator decides; the badge reads "Credentials
checked on <date>", goes at expiry (the daily task) and when the licence fields change; the document is deleted
after the decision and its hash stays; documents without a row are swept; the media audit leaves them alone."""

from __future__ import annotations

import contextlib
import io
import os
import time
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cryoview.accounts.tests.factories import UserFactory
from cryoview.clinics import tasks
from cryoview.clinics.documents import document_store, documents_sweep
from cryoview.clinics.enums import ClinicAction, Profession, Verdict
from cryoview.clinics.models import Clinic, ClinicLogEntry, CredentialCheck, Practitioner
from cryoview.clinics.services.credentials import (
    LicenceFields,
    credential_check_decide,
    credential_check_send,
    credentials_expire,
)
from cryoview.clinics.services.staff import PractitionerInput, practitioner_update
from cryoview.clinics.tests.documents import HTML, clear_documents, png, stored_documents, upload
from cryoview.clinics.tests.factories import make_practitioner, make_staff
from cryoview.core.errors import ApplicationError
from cryoview.videos import storage
from cryoview.videos.housekeeping import stray_files

pytestmark = pytest.mark.django_db
NEXT_YEAR = timezone.localdate() + timedelta(days=365)


@pytest.fixture(autouse=True)
def _no_documents():
    clear_documents()
    yield
    clear_documents()


@pytest.fixture
def clinic(clinic_staff) -> Clinic:
    return Clinic.objects.get(slug="nordlicht-skin-clinic")


@pytest.fixture
def practitioner(clinic) -> Practitioner:
    return make_practitioner(clinic, licence_expires_on=NEXT_YEAR)


def licence(**changes) -> LicenceFields:
    values: dict[str, Any] = {
        "licence_number": "DE-ARZT-123456",
        "issuing_body": "Ärztekammer Berlin",
        "country": "DE",
        "licence_expires_on": NEXT_YEAR,
    }
    values.update(changes)
    return LicenceFields(**values)


def send(clinic, practitioner, by, document=None, **changes) -> CredentialCheck:
    return credential_check_send(
        clinic=clinic, practitioner=practitioner, by=by, licence=licence(**changes), document=document or upload()
    )


def checked(clinic, practitioner, clinic_staff, moderator) -> Practitioner:
    credential_check_decide(check=send(clinic, practitioner, clinic_staff), by=moderator, accept=True)
    practitioner.refresh_from_db()
    assert practitioner.credentials_checked_on == timezone.localdate()
    return practitioner


def test_accepting_sets_the_badge_deletes_the_document_and_keeps_hash_checker_date_and_verdict(
    clinic, practitioner, clinic_staff, moderator, django_capture_on_commit_callbacks
):
    check = send(clinic, practitioner, clinic_staff)
    name, sha = check.document_name, check.document_sha256
    assert storage.private_store().is_file(name) and name.startswith("clinics/documents/credentials/")
    with django_capture_on_commit_callbacks(execute=True):
        credential_check_decide(check=check, by=moderator, accept=True)
    check.refresh_from_db()
    practitioner.refresh_from_db()
    assert practitioner.credentials_checked_on == timezone.localdate()
    assert check.status == Verdict.ACCEPTED and check.document_name == "" and check.document_sha256 == sha
    assert check.decided_by_name == moderator.public_name and check.decided_at is not None
    assert stored_documents() == []
    actions = list(ClinicLogEntry.objects.filter(clinic=clinic).order_by("id").values_list("action", flat=True))
    assert actions == [ClinicAction.CREDENTIALS_SENT, ClinicAction.CREDENTIALS_ACCEPTED]
    accepted = ClinicLogEntry.objects.get(action=ClinicAction.CREDENTIALS_ACCEPTED)
    assert accepted.details["sha256"] == sha and accepted.details["verdict"] == "accepted"


def test_refusing_needs_a_reason_and_leaves_no_badge(
    clinic, practitioner, clinic_staff, moderator, django_capture_on_commit_callbacks
):
    check = send(clinic, practitioner, clinic_staff)
    with pytest.raises(ApplicationError) as refused:
        credential_check_decide(check=check, by=moderator, accept=False)
    assert [p.field for p in refused.value.problems] == ["reason"]
    with django_capture_on_commit_callbacks(execute=True):
        credential_check_decide(check=check, by=moderator, accept=False, reason="The number is not in the register.")
    practitioner.refresh_from_db()
    assert practitioner.credentials_checked_on is None and stored_documents() == []
    assert ClinicLogEntry.objects.get(action=ClinicAction.CREDENTIALS_REJECTED).details["verdict"] == "rejected"


def test_an_expired_licence_is_refused_before_anything_is_stored(clinic, practitioner, clinic_staff):
    with pytest.raises(ApplicationError) as refused:
        send(clinic, practitioner, clinic_staff, licence_expires_on=timezone.localdate() - timedelta(days=1))
    assert [p.field for p in refused.value.problems] == ["licence_expires_on"]
    assert not CredentialCheck.objects.exists() and stored_documents() == []


def test_a_licence_that_expired_while_waiting_cannot_be_accepted(clinic, practitioner, clinic_staff, moderator):
    check = send(clinic, practitioner, clinic_staff)
    CredentialCheck.objects.filter(pk=check.pk).update(licence_expires_on=date(2020, 1, 1))
    Practitioner.objects.filter(pk=practitioner.pk).update(licence_expires_on=date(2020, 1, 1))
    with pytest.raises(ApplicationError) as refused:
        credential_check_decide(check=check, by=moderator, accept=True)
    assert refused.value.status == 409
    practitioner.refresh_from_db()
    assert practitioner.credentials_checked_on is None


def test_missing_licence_fields_and_a_bad_document_are_named(clinic, practitioner, clinic_staff):
    with pytest.raises(ApplicationError) as refused:
        send(clinic, practitioner, clinic_staff, licence_number="", country="Germany")
    assert {p.field for p in refused.value.problems} == {"licence_number", "country"}
    with pytest.raises(ApplicationError) as bad:
        send(clinic, practitioner, clinic_staff, document=upload(HTML, "licence.pdf"))
    assert [p.field for p in bad.value.problems] == ["document"]
    assert not CredentialCheck.objects.exists() and stored_documents() == []


def test_one_pending_check_per_practitioner(clinic, practitioner, clinic_staff):
    send(clinic, practitioner, clinic_staff)
    with pytest.raises(ApplicationError) as refused:
        send(clinic, practitioner, clinic_staff, document=upload(png(), "l.png"))
    assert refused.value.status == 409 and len(stored_documents()) == 1


def test_staff_of_another_clinic_cannot_send_credentials_for_this_one(clinic, practitioner, other_clinic_staff):
    with pytest.raises(ApplicationError) as refused:
        send(clinic, practitioner, other_clinic_staff)
    assert refused.value.status == 404 and stored_documents() == []


def test_the_daily_task_takes_the_badge_down_at_expiry_and_logs_it(clinic, practitioner, clinic_staff, moderator):
    checked(clinic, practitioner, clinic_staff, moderator)
    assert credentials_expire(today=NEXT_YEAR) == 0  # still valid on its last day
    assert credentials_expire(today=NEXT_YEAR + timedelta(days=1)) == 1
    practitioner.refresh_from_db()
    assert practitioner.credentials_checked_on is None
    entry = ClinicLogEntry.objects.get(action=ClinicAction.CREDENTIALS_EXPIRED)
    assert entry.clinic == clinic and entry.actor is None and entry.actor_name == "system"
    assert credentials_expire(today=NEXT_YEAR + timedelta(days=2)) == 0


def test_the_expiry_runs_in_the_clinics_maintenance_which_every_worker_runs(
    settings, clinic, practitioner, clinic_staff, moderator
):
    assert "cryoview.clinics.tasks.maintenance" in settings.CRYOVIEW_MAINTENANCE
    checked(clinic, practitioner, clinic_staff, moderator)
    Practitioner.objects.filter(pk=practitioner.pk).update(licence_expires_on=timezone.localdate() - timedelta(days=1))
    assert tasks.maintenance()["credentials_expired"] == 1
    assert "credentials_expired" not in tasks.maintenance()  # at most once an hour for all workers


@pytest.mark.parametrize(
    "change",
    [
        {"licence_number": "DE-ARZT-999999"},
        {"issuing_body": "Ärztekammer Hamburg"},
        {"country": "AT"},
        {"licence_expires_on": NEXT_YEAR + timedelta(days=30)},
    ],
    ids=["number", "issuing-body", "country", "expiry"],
)
def test_changing_a_licence_field_clears_the_badge_and_logs_it(clinic, practitioner, clinic_staff, moderator, change):
    checked(clinic, practitioner, clinic_staff, moderator)
    data = PractitionerInput(name=practitioner.name, profession=practitioner.profession, licence=licence(**change))
    practitioner_update(clinic=clinic, practitioner=practitioner, by=clinic_staff, data=data)
    practitioner.refresh_from_db()
    assert practitioner.credentials_checked_on is None
    entry = ClinicLogEntry.objects.get(action=ClinicAction.CREDENTIALS_CLEARED)
    assert entry.details["fields"] == list(change) and entry.actor == clinic_staff
    assert ClinicLogEntry.objects.filter(action=ClinicAction.PRACTITIONER_EDITED).exists()


@pytest.mark.parametrize(
    "change",
    [{"name": "Lena Vogel"}, {"profession": Profession.COSMETOLOGIST}],
    ids=["renamed to someone else", "another profession"],
)
def test_a_change_of_name_or_profession_clears_the_badge(clinic, practitioner, clinic_staff, moderator, change):
    """The badge vouches for a named person: renamed (even to a married name), the practitioner is checked again,
    or a clinic could pass a checked doctor's badge to someone unqualified."""
    checked(clinic, practitioner, clinic_staff, moderator)
    values = {"name": practitioner.name, "profession": practitioner.profession, **change}
    practitioner_update(
        clinic=clinic, practitioner=practitioner, by=clinic_staff, data=PractitionerInput(**values, licence=licence())
    )
    practitioner.refresh_from_db()
    assert practitioner.credentials_checked_on is None
    entry = ClinicLogEntry.objects.get(action=ClinicAction.CREDENTIALS_CLEARED)
    assert entry.details["fields"] == list(change)


def test_a_refusal_reason_reaches_the_clinic_log(clinic, practitioner, clinic_staff, moderator):
    check = send(clinic, practitioner, clinic_staff)
    credential_check_decide(check=check, by=moderator, accept=False, reason="The scan is unreadable")
    entry = ClinicLogEntry.objects.get(action=ClinicAction.CREDENTIALS_REJECTED)
    assert entry.details["reason"] == "The scan is unreadable"


def test_sending_new_licence_details_clears_the_old_badge_until_they_are_checked(
    clinic, practitioner, clinic_staff, moderator
):
    checked(clinic, practitioner, clinic_staff, moderator)
    send(clinic, practitioner, clinic_staff, licence_number="DE-ARZT-777")
    practitioner.refresh_from_db()
    assert practitioner.credentials_checked_on is None and practitioner.licence_number == "DE-ARZT-777"


def test_a_check_whose_fields_changed_since_cannot_be_accepted(clinic, practitioner, clinic_staff, moderator):
    check = send(clinic, practitioner, clinic_staff)
    data = PractitionerInput(name=practitioner.name, profession=practitioner.profession, licence=licence(country="AT"))
    practitioner_update(clinic=clinic, practitioner=practitioner, by=clinic_staff, data=data)
    with pytest.raises(ApplicationError) as refused:
        credential_check_decide(check=check, by=moderator, accept=True)
    assert refused.value.status == 409


def _age(name: str, hours: float) -> None:
    path = storage.private_store().local_path(name)
    assert path is not None
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_the_sweep_deletes_documents_without_a_row_after_the_grace_period_only(clinic, practitioner, clinic_staff):
    kept = send(clinic, practitioner, clinic_staff).document_name
    lost = document_store(upload=upload(), field="document", folder="credentials").name  # its row never came
    young = document_store(upload=upload(), field="document", folder="claims").name
    _age(kept, 48)
    _age(lost, 48)
    assert documents_sweep(grace=timedelta(hours=24)) == 1
    assert sorted(stored_documents()) == sorted([kept, young])


def test_the_media_audit_does_not_call_documents_orphans(clinic, practitioner, clinic_staff):
    send(clinic, practitioner, clinic_staff)
    document_store(upload=upload(), field="document", folder="claims")  # even one without a row: the sweep's
    assert not [s for s in stray_files() if s.name.startswith("clinics")]
    out = io.StringIO()
    with contextlib.suppress(CommandError):  # other tests' media may be there: only our names matter
        call_command("media_audit", stdout=out)
    assert "clinics" not in out.getvalue() and len(stored_documents()) == 2


def test_only_moderators_see_a_document_and_it_comes_as_itself_never_cached(
    client, clinic, practitioner, clinic_staff, moderator
):
    check = send(clinic, practitioner, clinic_staff, document=upload(png(), "licence.pdf"))
    url = reverse("clinics:check_document", args=[check.pk])
    client.force_login(clinic_staff)
    assert client.get(url).status_code == 404
    client.force_login(moderator)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == png()
    assert response["Cache-Control"] == "private, no-store" and response["X-Content-Type-Options"] == "nosniff"
    ranged = client.get(url, HTTP_RANGE="bytes=0-7")
    assert ranged.status_code == 206 and b"".join(ranged.streaming_content) == png()[:8]
    credential_check_decide(check=check, by=moderator, accept=True)
    assert client.get(url).status_code == 404  # decided: gone


def _fill(n: int) -> None:
    for i in range(n):
        clinic = Clinic.objects.create(
            slug=f"clinic-{i}-{Clinic.objects.count()}", name=f"Clinic {i}", city="Kiel", country="DE"
        )
        member = UserFactory(email=f"claimant{i}-{clinic.pk}@example.org")
        from cryoview.clinics.services.claims import clinic_claim_send

        clinic_claim_send(clinic=clinic, by=member, job_title="Owner", message="", document=upload())
        staff = UserFactory(email=f"staff{i}-{clinic.pk}@example.org")
        make_staff(staff, clinic)
        practitioner = make_practitioner(clinic, name=f"Practitioner {i}", licence_expires_on=NEXT_YEAR)
        send(clinic, practitioner, staff)


def test_the_checks_queue_costs_the_same_number_of_queries_for_one_item_and_for_many(client, moderator):
    client.force_login(moderator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("clinics:checks")).status_code == 200
        return len(captured)

    _fill(1)
    queries()
    few = queries()
    _fill(6)
    many = queries()
    assert many == few, f"{few} queries for 1, {many} for 7"


def test_the_console_costs_the_same_number_of_queries_for_one_practitioner_and_for_many(client, clinic, clinic_staff):
    client.force_login(clinic_staff)
    url = reverse("clinics:staff", args=[clinic.slug])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    make_practitioner(clinic, name="One")
    queries()
    few = queries()
    for i in range(6):
        p = make_practitioner(clinic, name=f"Many {i}", licence_expires_on=NEXT_YEAR)
        send(clinic, p, clinic_staff)
    many = queries()
    assert many == few, f"{few} queries for 1, {many} for 7"
