"""Claims: a member claims a clinic with proof, a moderator decides; the proof is sniffed, kept private, deleted
after the decision (its hash stays), and the claimant gets an e-mail. Bad documents leave nothing behind."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from cryoview.clinics.documents import MAX_DOCUMENT_BYTES
from cryoview.clinics.enums import ClinicAction, ClinicStatus, StaffStatus
from cryoview.clinics.models import Clinic, ClinicLogEntry, ClinicStaff
from cryoview.clinics.permissions import is_staff_of
from cryoview.clinics.services.claims import clinic_claim_decide, clinic_claim_send, clinic_staff_revoke
from cryoview.clinics.tests.documents import (
    HTML,
    JPEG,
    PDF,
    clear_documents,
    png,
    scratch_documents,
    stored_documents,
    upload,
)
from cryoview.clinics.tests.factories import make_clinic
from cryoview.core.errors import ApplicationError
from cryoview.videos import storage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_documents():
    clear_documents()
    yield
    clear_documents()


@pytest.fixture
def clinic() -> Clinic:
    return make_clinic("Polar Aesthetics", city="Munich")


def send(clinic: Clinic, user, document=None) -> ClinicStaff:
    return clinic_claim_send(
        clinic=clinic,
        by=user,
        job_title="Practice manager",
        message="I run the front desk.",
        document=document or upload(),
    )


def test_a_claim_keeps_the_proof_privately_with_its_hash_and_logs_it(clinic, member):
    claim = send(clinic, member)
    assert claim.status == StaffStatus.PENDING and not is_staff_of(member, clinic)
    [name] = stored_documents()
    assert claim.proof_name == name and name.startswith("clinics/documents/claims/") and name.endswith(".pdf")
    import hashlib

    assert claim.proof_sha256 == hashlib.sha256(PDF).hexdigest()
    entry = ClinicLogEntry.objects.get(clinic=clinic)
    assert entry.action == ClinicAction.CLAIM_SENT and entry.details["sha256"] == claim.proof_sha256
    assert entry.actor == member and scratch_documents() == []
    # Not under the public store, not under the media root.
    assert not (storage.public_root() / name).exists()


@pytest.mark.parametrize(
    ("content", "name", "content_type", "status", "message"),
    [
        (HTML, "licence.pdf", "application/pdf", 422, "must be a PDF, JPEG or PNG file"),
        (b"", "empty.pdf", "application/pdf", 422, "is empty"),
        (b"%PDF-" + b"0" * MAX_DOCUMENT_BYTES, "big.pdf", "application/pdf", 413, "at most 10 MiB"),
        (b"GIF89a\x01\x00\x01\x00", "photo.png", "image/png", 422, "must be a PDF, JPEG or PNG file"),
        (b"PK\x03\x04 a zip", "contract.pdf", "application/pdf", 422, "must be a PDF, JPEG or PNG file"),
    ],
    ids=["html-named-pdf", "empty", "oversized", "gif-named-png", "zip-named-pdf"],
)
def test_a_document_that_is_not_one_is_refused_naming_the_field_and_leaves_nothing(
    clinic, member, content, name, content_type, status, message
):
    with pytest.raises(ApplicationError) as refused:
        send(clinic, member, upload(content, name, content_type))
    assert refused.value.status == status
    assert [p.field for p in refused.value.problems] == ["document"] and message in refused.value.problems[0].message
    assert not ClinicStaff.objects.exists() and not ClinicLogEntry.objects.exists()
    assert stored_documents() == [] and scratch_documents() == []


@pytest.mark.parametrize(
    ("content", "name", "kind"),
    [(png(), "licence.pdf", "png"), (JPEG, "scan.png", "jpg"), (PDF, "scan.jpeg", "pdf")],
    ids=["png-named-pdf", "jpeg-named-png", "pdf-named-jpeg"],
)
def test_the_kind_comes_from_the_bytes_never_from_the_name(clinic, member, content, name, kind):
    claim = send(clinic, member, upload(content, name, "application/octet-stream"))
    assert claim.proof_name.endswith(f".{kind}")


def test_a_missing_job_title_is_refused_before_anything_is_stored(clinic, member):
    with pytest.raises(ApplicationError) as refused:
        clinic_claim_send(clinic=clinic, by=member, job_title="  ", message="", document=upload())
    assert [p.field for p in refused.value.problems] == ["job_title"]
    assert stored_documents() == [] and not ClinicStaff.objects.exists()


def test_one_open_claim_per_person_and_clinic(clinic, member, other_member):
    send(clinic, member)
    with pytest.raises(ApplicationError) as refused:
        send(clinic, member)
    assert refused.value.status == 409 and len(stored_documents()) == 1
    send(clinic, other_member)  # someone else may claim the same clinic
    assert ClinicStaff.objects.filter(clinic=clinic).count() == 2


def test_a_clinic_that_is_not_listed_cannot_be_claimed(member):
    suggested = make_clinic("Suggested Place", status=ClinicStatus.SUGGESTED)
    with pytest.raises(ApplicationError) as refused:
        send(suggested, member)
    assert refused.value.status == 404 and stored_documents() == []


def test_approval_deletes_the_proof_keeps_its_hash_makes_staff_and_mails_the_claimant(
    clinic, member, moderator, django_capture_on_commit_callbacks
):
    claim = send(clinic, member)
    name, sha = claim.proof_name, claim.proof_sha256
    with django_capture_on_commit_callbacks(execute=True):
        clinic_claim_decide(claim=claim, by=moderator, approve=True)
    claim.refresh_from_db()
    assert claim.status == StaffStatus.APPROVED and claim.proof_name == "" and claim.proof_sha256 == sha
    assert claim.decided_by == moderator and claim.decided_at is not None
    assert not storage.private_store().exists(name) and stored_documents() == []
    assert is_staff_of(member, clinic)
    entry = ClinicLogEntry.objects.get(action=ClinicAction.CLAIM_APPROVED)
    assert entry.details["sha256"] == sha and entry.details["verdict"] == "approved"
    assert entry.details["checker"] == moderator.public_name and entry.actor == moderator
    [message] = mail.outbox
    assert message.to == [member.email] and "Polar Aesthetics" in message.subject
    assert reverse("clinics:staff", args=[clinic.slug]) in message.body


def test_a_rollback_keeps_the_proof_with_its_pending_claim(
    clinic, member, moderator, django_capture_on_commit_callbacks
):
    claim = send(clinic, member)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        clinic_claim_decide(claim=claim, by=moderator, approve=True)
    assert callbacks and storage.private_store().exists(stored_documents()[0])  # deletion waits for the commit


def test_rejection_needs_a_reason_which_the_claimant_receives(
    clinic, member, moderator, django_capture_on_commit_callbacks
):
    claim = send(clinic, member)
    with pytest.raises(ApplicationError) as refused:
        clinic_claim_decide(claim=claim, by=moderator, approve=False, reason=" ")
    assert [p.field for p in refused.value.problems] == ["reason"]
    with django_capture_on_commit_callbacks(execute=True):
        clinic_claim_decide(claim=claim, by=moderator, approve=False, reason="The letter is not on the clinic's paper.")
    claim.refresh_from_db()
    assert claim.status == StaffStatus.REJECTED and stored_documents() == [] and not is_staff_of(member, clinic)
    [message] = mail.outbox
    assert "not approved" in message.subject and "not on the clinic's paper" in message.body
    send(clinic, member)  # a rejected claimant may try again


def test_only_moderators_decide_and_only_once(clinic, member, other_member, moderator):
    claim = send(clinic, member)
    with pytest.raises(ApplicationError) as refused:
        clinic_claim_decide(claim=claim, by=other_member, approve=True)
    assert refused.value.status == 403
    clinic_claim_decide(claim=claim, by=moderator, approve=True)
    with pytest.raises(ApplicationError) as again:
        clinic_claim_decide(claim=claim, by=moderator, approve=False, reason="changed my mind")
    assert again.value.status == 409


def test_a_moderator_revokes_staff_and_the_log_says_so(clinic_staff, moderator):
    staff = ClinicStaff.objects.get(user=clinic_staff)
    clinic_staff_revoke(staff=staff, by=moderator, reason="Left the clinic")
    assert not is_staff_of(clinic_staff, staff.clinic)
    entry = ClinicLogEntry.objects.get(action=ClinicAction.STAFF_REVOKED)
    assert entry.clinic == staff.clinic and entry.details["reason"] == "Left the clinic"


def test_the_claim_page_sends_a_claim_and_shows_its_status(client, member, clinic):
    client.force_login(member)
    url = reverse("clinics:claim", args=[clinic.slug])
    response = client.post(
        url, {"job_title": "Owner", "message": "", "document": upload(png(), "proof.png", "image/png")}
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert 'data-claim-status="pending"' in page and "with the moderators" in page


def test_the_claim_page_shows_a_bad_document_as_a_field_error_and_stores_nothing(client, member, clinic):
    client.force_login(member)
    url = reverse("clinics:claim", args=[clinic.slug])
    response = client.post(url, {"job_title": "Owner", "document": upload(HTML, "proof.pdf")})
    assert response.status_code == 422
    assert "Must be a PDF, JPEG or PNG file" in response.content.decode()
    assert not ClinicStaff.objects.exists() and stored_documents() == []
