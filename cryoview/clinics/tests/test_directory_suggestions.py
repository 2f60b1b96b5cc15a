"""Members suggest clinics; moderators list or decline them; the log keeps each decision."""

from __future__ import annotations

import pytest

from cryoview.clinics.enums import ClinicAction, ClinicStatus
from cryoview.clinics.models import Clinic, ClinicLogEntry
from cryoview.clinics.services.directory import clinic_suggest, clinic_suggestion_decide
from cryoview.clinics.tests.factories import make_clinic
from cryoview.core.errors import ApplicationError

pytestmark = pytest.mark.django_db


def test_a_suggestion_is_a_new_clinic_waiting_for_a_moderator(member):
    clinic = clinic_suggest(name="  Eisblume   Kosmetik ", city="München", country="de", by=member)
    assert (clinic.name, clinic.city, clinic.country) == ("Eisblume Kosmetik", "München", "DE")
    assert clinic.status == ClinicStatus.SUGGESTED
    assert clinic.suggested_by == member
    assert clinic.slug == "eisblume-kosmetik-munchen"


def test_a_listed_clinic_of_that_name_in_that_city_is_returned_instead(member):
    listed = make_clinic("Nordlicht Skin Clinic", city="Berlin")
    found = clinic_suggest(name="nordlicht SKIN clinic", city="berlin", country="DE", by=member)
    assert found == listed
    assert Clinic.objects.count() == 1


def test_the_same_name_in_another_city_is_another_clinic(member):
    make_clinic("Nordlicht Skin Clinic", city="Berlin")
    other = clinic_suggest(name="Nordlicht Skin Clinic", city="Hamburg", country="DE", by=member)
    assert other.status == ClinicStatus.SUGGESTED
    assert Clinic.objects.count() == 2


def test_a_second_suggestion_of_the_same_clinic_joins_the_first(member, other_member):
    first = clinic_suggest(name="Eisblume", city="Köln", country="DE", by=member)
    again = clinic_suggest(name="EISBLUME", city="köln", country="DE", by=other_member)
    assert again == first
    assert Clinic.objects.filter(status=ClinicStatus.SUGGESTED).count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "", "city": "Berlin", "country": "DE"}, "name"),
        ({"name": "A\x00B", "city": "Berlin", "country": "DE"}, "name"),
        ({"name": "A" * 121, "city": "Berlin", "country": "DE"}, "name"),
        ({"name": "Eisblume", "city": "   ", "country": "DE"}, "city"),
        ({"name": "Eisblume", "city": "Berlin", "country": "Germany"}, "country"),
        ({"name": "Eisblume", "city": "Berlin", "country": "D1"}, "country"),
    ],
)
def test_bad_input_names_the_field_and_leaves_nothing(member, fields, field):
    with pytest.raises(ApplicationError) as caught:
        clinic_suggest(by=member, **fields)
    assert caught.value.status == 422
    assert [p.field for p in caught.value.problems] == [field]
    assert not Clinic.objects.exists()


def test_a_moderator_lists_a_suggestion_and_the_log_says_so(member, moderator):
    clinic = clinic_suggest(name="Eisblume", city="Köln", country="DE", by=member)
    clinic_suggestion_decide(clinic=clinic, by=moderator, accept=True, reason="")
    clinic.refresh_from_db()
    assert clinic.status == ClinicStatus.LISTED
    entry = ClinicLogEntry.objects.get(clinic=clinic)
    assert entry.action == ClinicAction.CLINIC_EDITED
    assert entry.actor == moderator
    assert entry.details["decision"] == "suggestion_accepted"


def test_declining_needs_a_reason(member, moderator):
    clinic = clinic_suggest(name="Eisblume", city="Köln", country="DE", by=member)
    with pytest.raises(ApplicationError) as caught:
        clinic_suggestion_decide(clinic=clinic, by=moderator, accept=False, reason=" ")
    assert [p.field for p in caught.value.problems] == ["reason"]
    clinic.refresh_from_db()
    assert clinic.status == ClinicStatus.SUGGESTED
    clinic_suggestion_decide(clinic=clinic, by=moderator, accept=False, reason="Not a clinic: a shop.")
    clinic.refresh_from_db()
    assert clinic.status == ClinicStatus.DECLINED
    assert ClinicLogEntry.objects.get(clinic=clinic).details == {
        "decision": "suggestion_declined",
        "reason": "Not a clinic: a shop.",
    }


def test_only_moderators_decide_and_only_once(member, moderator, clinic_staff):
    clinic = clinic_suggest(name="Eisblume", city="Köln", country="DE", by=member)
    for someone in (member, clinic_staff):
        with pytest.raises(ApplicationError) as caught:
            clinic_suggestion_decide(clinic=clinic, by=someone, accept=True, reason="")
        assert caught.value.status == 403
    clinic_suggestion_decide(clinic=clinic, by=moderator, accept=True, reason="")
    with pytest.raises(ApplicationError) as caught:
        clinic_suggestion_decide(clinic=clinic, by=moderator, accept=False, reason="changed my mind")
    assert caught.value.status == 409
    assert ClinicLogEntry.objects.filter(clinic=clinic).count() == 1
