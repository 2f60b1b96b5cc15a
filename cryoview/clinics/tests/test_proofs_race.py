"""Two moderators decide the same proof at once: the row is locked, so exactly one verdict holds and the other
moderator gets the clear 409, whichever comes second; the label agrees with the verdict that held."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from cryoview.clinics.enums import ReviewLabel, Verdict
from cryoview.clinics.models import Clinic, ReviewAttribution, TreatmentProof
from cryoview.clinics.services.proofs import proof_decide, proof_send
from cryoview.clinics.tests.documents import clear_documents, stored_documents, upload
from cryoview.core.errors import ApplicationError
from cryoview.procedures.models import Procedure
from cryoview.reviews.tests.factories import factory_moderator, pending_review

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_decisions_at_once_one_holds_and_the_other_is_told(guides, member, clinic_staff, moderator):
    clear_documents()
    review = pending_review(Procedure.objects.get(slug="facial-cryomassage"), member)
    ReviewAttribution.objects.create(review=review, clinic=Clinic.objects.get(slug="nordlicht-skin-clinic"))
    proof = proof_send(review=review, by=member, document=upload())
    other = factory_moderator()
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def decide(who, accept: bool, name: str) -> None:
        try:
            start.wait(timeout=10)
            proof_decide(proof=proof, by=who, accept=accept, reason="" if accept else "Another clinic's receipt")
            outcomes[name] = "decided"
        except ApplicationError as error:
            outcomes[name] = f"{error.status} {error.message}"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(moderator, True, "accept")),
        threading.Thread(target=decide, args=(other, False, "reject")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["409 This proof was already decided.", "decided"], outcomes
    proof.refresh_from_db()
    label = ReviewAttribution.objects.get(review=review).label
    if outcomes["accept"] == "decided":
        assert proof.status == Verdict.ACCEPTED and label == ReviewLabel.VERIFIED
    else:
        assert proof.status == Verdict.REJECTED and label == ReviewLabel.NONE
    assert TreatmentProof.objects.count() == 1 and stored_documents() == []
    clear_documents()
