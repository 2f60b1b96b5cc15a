# ruff: noqa: F811 - the shared fixtures are imported, then asked for by name
"""Proofs of treatment, the services: the author sends, a moderator decides once; the document is deleted after the
decision and its hash stays; accepted, the review is Verified (over Invited); refused, the author is told why; a
change of clinic takes the label away; a withdrawn review or a deleted account leaves no document behind."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.core import mail

from cryoview.clinics.documents import MAX_DOCUMENT_BYTES, documents_in_use, documents_sweep
from cryoview.clinics.enums import ClinicStatus, ReviewLabel, Verdict
from cryoview.clinics.models import Clinic, Invitation, ReviewAttribution, TreatmentProof
from cryoview.clinics.services.attribution import AttributionInput, attribution_set
from cryoview.clinics.services.proofs import proof_decide, proof_send, proofs_withdraw_of
from cryoview.clinics.tests.documents import HTML, JPEG, PDF, clear_documents, png, stored_documents, upload
from cryoview.clinics.tests.factories import make_clinic
from cryoview.core.errors import ApplicationError, NotFoundError
from cryoview.reviews.models import Review
from cryoview.reviews.services import review_withdraw
from cryoview.reviews.tests.conftest import massage  # noqa: F401 - shared fixture
from cryoview.reviews.tests.factories import pending_review
from cryoview.videos.housekeeping import stray_files

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_documents():
    clear_documents()
    yield
    clear_documents()


@pytest.fixture
def nordlicht(massage, clinic_staff) -> Clinic:
    return Clinic.objects.get(slug="nordlicht-skin-clinic")  # the clinic_staff persona's clinic


@pytest.fixture
def review(massage, member, nordlicht) -> Review:
    review = pending_review(massage, member, title="Cold but fine")
    attribution_set(review=review, by=member, data=AttributionInput(clinic=nordlicht.slug))
    return review


def label_of(review: Review) -> str:
    return ReviewAttribution.objects.get(review=review).label


def send(review: Review, document=None) -> TreatmentProof:
    return proof_send(review=review, by=review.author, document=document or upload(PDF, "receipt.pdf"))


def test_the_author_sends_a_proof_that_waits_with_its_hash(review):
    proof = send(review)
    assert proof.status == Verdict.PENDING and len(proof.document_sha256) == 64
    assert proof.document_name.startswith("clinics/documents/proofs/") and proof.document_name.endswith(".pdf")
    assert stored_documents() == [proof.document_name]
    assert label_of(review) == ReviewLabel.NONE  # nothing shows until a moderator has checked it


def test_accepting_makes_the_review_verified_deletes_the_file_and_keeps_the_hash(
    review, moderator, django_capture_on_commit_callbacks, caplog
):
    proof = send(review)
    sha256, name = proof.document_sha256, proof.document_name
    with (
        caplog.at_level(logging.INFO, logger="cryoview.clinics.services.proofs"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        proof_decide(proof=proof, by=moderator, accept=True)
    proof.refresh_from_db()
    assert proof.status == Verdict.ACCEPTED and proof.document_sha256 == sha256 and proof.document_name == ""
    assert proof.decided_by == moderator and proof.decided_by_name == moderator.public_name
    assert proof.decided_at is not None
    assert label_of(review) == ReviewLabel.VERIFIED
    assert stored_documents() == [] and name not in documents_in_use()
    assert mail.outbox == []  # an acceptance shows as the label; no e-mail
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "accepted" in logged and sha256 in logged and name.rsplit("/", 1)[-1] not in logged


def test_refusing_needs_a_reason_and_mails_it_to_the_author(review, moderator, django_capture_on_commit_callbacks):
    proof = send(review)
    with pytest.raises(ApplicationError) as refused:
        proof_decide(proof=proof, by=moderator, accept=False, reason="  ")
    assert [p.field for p in refused.value.problems] == ["reason"]
    assert TreatmentProof.objects.get().status == Verdict.PENDING and len(stored_documents()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        proof_decide(proof=proof, by=moderator, accept=False, reason="The receipt names another clinic.")
    proof.refresh_from_db()
    assert proof.status == Verdict.REJECTED and proof.reason == "The receipt names another clinic."
    assert label_of(review) == ReviewLabel.NONE and stored_documents() == []
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [review.author.email] and "not accepted" in sent.subject
    assert "The receipt names another clinic." in sent.body and f"/clinics/reviews/{review.pk}/proof/" in sent.body


def test_a_second_decision_is_a_clear_conflict_and_changes_nothing(review, moderator):
    proof = send(review)
    proof_decide(proof=proof, by=moderator, accept=False, reason="Unreadable scan.")
    with pytest.raises(ApplicationError) as twice:
        proof_decide(proof=proof, by=moderator, accept=True)
    assert twice.value.status == 409 and "already decided" in twice.value.message
    proof.refresh_from_db()
    assert proof.status == Verdict.REJECTED and label_of(review) == ReviewLabel.NONE


def test_only_moderators_decide(review, member, clinic_staff):
    proof = send(review)
    for someone in (review.author, clinic_staff):
        with pytest.raises(ApplicationError) as refused:
            proof_decide(proof=proof, by=someone, accept=True)
        assert refused.value.status == 403
    assert TreatmentProof.objects.get().status == Verdict.PENDING and label_of(review) == ReviewLabel.NONE


def test_nobody_but_the_author_sends_one(review, other_member, clinic_staff, moderator):
    for someone in (other_member, clinic_staff, moderator):
        with pytest.raises(NotFoundError):
            proof_send(review=review, by=someone, document=upload())
    assert not TreatmentProof.objects.exists() and stored_documents() == []


def test_a_review_without_a_clinic_cannot_have_one(massage, member):
    review = pending_review(massage, member)
    with pytest.raises(ApplicationError) as refused:
        send(review)
    assert refused.value.status == 409 and "clinic" in refused.value.message
    assert not TreatmentProof.objects.exists() and stored_documents() == []


def test_a_declined_suggestion_is_no_clinic_to_prove(review, nordlicht):
    Clinic.objects.filter(pk=nordlicht.pk).update(status=ClinicStatus.DECLINED)
    with pytest.raises(ApplicationError) as refused:
        send(review)
    assert refused.value.status == 409 and stored_documents() == []


def test_one_pending_proof_per_review(review):
    send(review)
    with pytest.raises(ApplicationError) as again:
        send(review)
    assert again.value.status == 409 and TreatmentProof.objects.count() == 1 and len(stored_documents()) == 1


def test_a_verified_review_needs_no_second_proof(review, moderator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        proof_decide(proof=send(review), by=moderator, accept=True)
    with pytest.raises(ApplicationError) as again:
        send(review)
    assert again.value.status == 409 and stored_documents() == []


@pytest.mark.parametrize(
    ("content", "name", "content_type", "status", "message"),
    [
        (HTML, "receipt.pdf", "application/pdf", 422, "must be a PDF, JPEG or PNG file"),
        (b"", "empty.pdf", "application/pdf", 422, "is empty"),
        (b"%PDF-" + b"0" * MAX_DOCUMENT_BYTES, "big.pdf", "application/pdf", 413, "at most 10 MiB"),
        (b"GIF89a\x01\x00\x01\x00", "photo.png", "image/png", 422, "must be a PDF, JPEG or PNG file"),
        (b"PK\x03\x04 a zip", "letter.pdf", "application/pdf", 422, "must be a PDF, JPEG or PNG file"),
    ],
    ids=["html-named-pdf", "empty", "oversized", "gif-named-png", "zip-named-pdf"],
)
def test_a_hostile_file_is_refused_naming_the_field_and_leaves_nothing(
    review, content, name, content_type, status, message
):
    with pytest.raises(ApplicationError) as refused:
        send(review, upload(content, name, content_type))
    assert refused.value.status == status
    assert [p.field for p in refused.value.problems] == ["document"] and message in refused.value.problems[0].message
    assert not TreatmentProof.objects.exists() and stored_documents() == []


def test_no_file_at_all_names_the_field(review):
    with pytest.raises(ApplicationError) as refused:
        proof_send(review=review, by=review.author, document=None)
    assert [p.field for p in refused.value.problems] == ["document"] and stored_documents() == []


@pytest.mark.parametrize(
    ("content", "name", "kind"),
    [(png(), "receipt.pdf", "png"), (JPEG, "scan.png", "jpg"), (PDF, "scan.jpeg", "pdf")],
    ids=["png-named-pdf", "jpeg-named-png", "pdf-named-jpeg"],
)
def test_the_kind_comes_from_the_bytes(review, content, name, kind):
    assert send(review, upload(content, name, "application/octet-stream")).document_name.endswith(f".{kind}")


def test_verified_outranks_invited_and_keeps_the_invitation(review, nordlicht, moderator):
    invitation = Invitation.objects.create(
        clinic=nordlicht,
        batch="00000000-0000-0000-0000-000000000001",
        token_digest="a" * 64,
        expires_at=review.created_at + timedelta(days=30),
    )
    ReviewAttribution.objects.filter(review=review).update(label=ReviewLabel.INVITED, invitation=invitation)
    proof_decide(proof=send(review), by=moderator, accept=True)
    row = ReviewAttribution.objects.get(review=review)
    assert row.label == ReviewLabel.VERIFIED and row.invitation_id == invitation.pk


def test_accepting_after_the_clinic_was_removed_is_refused(review, moderator):
    proof = send(review)
    # A moderator could clear the clinic by hand; the author's own change withdraws the proof (below).
    ReviewAttribution.objects.filter(review=review).update(clinic=None)
    with pytest.raises(ApplicationError) as refused:
        proof_decide(proof=proof, by=moderator, accept=True)
    assert refused.value.status == 409 and TreatmentProof.objects.get().status == Verdict.PENDING


def test_another_clinic_takes_the_verified_label_away(review, member, moderator, massage):
    proof_decide(proof=send(review), by=moderator, accept=True)
    elsewhere = make_clinic("Elsewhere Cosmetics", city="Paris", country="FR")
    attribution_set(review=review, by=member, data=AttributionInput(clinic=elsewhere.slug))
    row = ReviewAttribution.objects.get(review=review)
    assert row.clinic == elsewhere and row.label == ReviewLabel.NONE


def test_an_invited_label_without_its_link_goes_with_a_change_of_clinic(review, member):
    ReviewAttribution.objects.filter(review=review).update(label=ReviewLabel.INVITED)
    attribution_set(review=review, by=member, data=AttributionInput(clinic=""))
    assert not ReviewAttribution.objects.filter(review=review).exists()  # no clinic, no label: nothing is left


def test_the_same_clinic_keeps_the_label(review, member, moderator, nordlicht):
    proof_decide(proof=send(review), by=moderator, accept=True)
    attribution_set(review=review, by=member, data=AttributionInput(clinic=nordlicht.slug))
    assert label_of(review) == ReviewLabel.VERIFIED


def test_a_waiting_proof_goes_with_a_change_of_clinic(review, member, django_capture_on_commit_callbacks):
    proof = send(review)
    elsewhere = make_clinic("Elsewhere Cosmetics", city="Paris", country="FR")
    with django_capture_on_commit_callbacks(execute=True):
        attribution_set(review=review, by=member, data=AttributionInput(clinic=elsewhere.slug))
    proof.refresh_from_db()
    assert proof.status == Verdict.WITHDRAWN and proof.document_name == "" and stored_documents() == []


def test_withdrawing_the_review_deletes_the_waiting_proof(review, member, django_capture_on_commit_callbacks):
    proof = send(review)
    with django_capture_on_commit_callbacks(execute=True):
        review_withdraw(review=review, by=member)
    proof.refresh_from_db()
    assert proof.status == Verdict.WITHDRAWN and proof.document_name == "" and stored_documents() == []
    assert proof.document_sha256  # the hash stays


def test_deleting_the_account_leaves_no_proof_behind(review, member, django_capture_on_commit_callbacks):
    from cryoview.journeys.privacy import account_delete

    send(review)
    with django_capture_on_commit_callbacks(execute=True):
        account_delete(user=member)
    assert not TreatmentProof.objects.exists()
    assert stored_documents() == []  # at once, not after the sweep's grace period
    assert not any("clinics/documents" in stray.name for stray in stray_files())


def test_before_an_account_goes_its_waiting_proofs_go_at_once(review, member, django_capture_on_commit_callbacks):
    proof = send(review)
    with django_capture_on_commit_callbacks(execute=True):
        assert proofs_withdraw_of(user=member) == 1
    proof.refresh_from_db()
    assert proof.status == Verdict.WITHDRAWN and stored_documents() == []


def test_a_pending_proof_is_never_an_orphan(review):
    proof = send(review)
    assert proof.document_name in documents_in_use()
    assert not any("clinics/documents" in stray.name for stray in stray_files())
    assert documents_sweep(grace=timedelta(0)) == 0 and stored_documents() == [proof.document_name]


def test_a_proof_accepted_after_publishing_is_counted_in_the_guides_numbers(
    massage, member, nordlicht, moderator, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from cryoview.reviews.selectors import stats_get
    from cryoview.reviews.stats import stats_refresh
    from cryoview.reviews.tasks import refresh_stats
    from cryoview.reviews.tests.factories import published_review

    review = published_review(massage, member, title="Published, then proven")
    attribution_set(review=review, by=moderator, data=AttributionInput(clinic=nordlicht.slug))
    stats_refresh(procedure=massage)
    counts = {row["label"]: row["count"] for row in stats_get(procedure=massage)["by_label"]}
    assert counts["verified"] == 0 and counts["none"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        proof_decide(proof=send(review), by=moderator, accept=True)
    # The recount is queued for the worker after commit: run what was queued, as the worker does.
    queued = DBTaskResult.objects.filter(task_path="cryoview.reviews.tasks.refresh_stats")
    assert [row.args_kwargs["kwargs"] for row in queued] == [{"procedure_id": massage.pk}]
    refresh_stats.call(procedure_id=massage.pk)
    counts = {row["label"]: row["count"] for row in stats_get(procedure=massage)["by_label"]}
    assert counts["verified"] == 1 and counts["none"] == 0
