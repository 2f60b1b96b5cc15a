# ruff: noqa: F811 - the shared fixtures are imported, then asked for by name
"""Two reviews from one invitation at the same moment: the row lock lets exactly one through (PostgreSQL's
SELECT ... FOR UPDATE; on SQLite the IMMEDIATE transaction serialises the two the same way)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from cryoview.accounts.models import User
from cryoview.clinics.enums import ReviewLabel
from cryoview.clinics.models import Clinic, Invitation, ReviewAttribution
from cryoview.clinics.services.invitations import invitation_links_create, invitation_redeem
from cryoview.core.errors import ApplicationError
from cryoview.procedures.models import Procedure
from cryoview.reviews.models import Review
from cryoview.reviews.services import ReviewInput, review_create
from cryoview.reviews.tests.conftest import massage  # noqa: F401 - shared fixture

pytestmark = pytest.mark.django_db(transaction=True)


def review_input() -> ReviewInput:
    return ReviewInput(
        rating=3, worth_it="worth_it", title="It was fine", body="Cold and quick.", side_effects=["none"]
    )


def test_two_reviews_from_one_link_at_the_same_moment(clinic_staff, member, other_member, massage):
    clinic = Clinic.objects.get(slug="nordlicht-skin-clinic")
    clinic.procedures.add(massage)
    token = invitation_links_create(clinic=clinic, by=clinic_staff).links[0][1]
    first_holds_the_lock, let_first_commit = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def write(name: str, author: User, procedure: Procedure, hold: bool) -> None:
        def redeem(review: Review) -> None:
            invitation_redeem(token=token, review=review, by=author)
            if hold:
                first_holds_the_lock.set()
                let_first_commit.wait(10)

        try:
            outcome[name] = review_create(
                author=author, procedure=procedure, data=review_input(), consent=True, extra_writes=[redeem]
            )
        except ApplicationError as error:
            outcome[name] = error
        finally:
            connection.close()

    first = threading.Thread(target=write, args=("first", member, massage, True))
    second = threading.Thread(target=write, args=("second", other_member, massage, False))
    first.start()
    assert first_holds_the_lock.wait(10)
    second.start()
    time.sleep(0.5)  # the second is now waiting for the lock (or for the write transaction on SQLite)
    assert "second" not in outcome
    let_first_commit.set()
    first.join(20)
    second.join(20)
    assert isinstance(outcome["first"], Review)
    refused = outcome["second"]
    assert isinstance(refused, ApplicationError) and refused.status == 410 and refused.code == "used"
    assert list(Review.objects.values_list("author_id", flat=True)) == [member.pk]
    row = ReviewAttribution.objects.get()
    assert row.label == ReviewLabel.INVITED and row.invitation == Invitation.objects.get()
    assert Invitation.objects.get().used_at is not None
