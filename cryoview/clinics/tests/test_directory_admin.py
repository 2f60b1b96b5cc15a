"""Moderators add and edit clinics and practitioners in the admin; every save is in the clinic log."""

from __future__ import annotations

import pytest

from cryoview.clinics.enums import ClinicAction, ClinicStatus
from cryoview.clinics.models import Clinic, ClinicLogEntry, Practitioner
from cryoview.clinics.tests.factories import make_clinic, make_practitioner

pytestmark = pytest.mark.django_db


def test_a_moderator_adds_a_clinic_and_the_log_records_it(client, moderator, guides):
    client.force_login(moderator)
    response = client.post(
        "/admin/clinics/clinic/add/",
        {"name": "Eisblume", "slug": "eisblume-koln", "city": "Köln", "country": "DE", "status": "listed"},
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    clinic = Clinic.objects.get(slug="eisblume-koln")
    assert clinic.status == ClinicStatus.LISTED
    entry = ClinicLogEntry.objects.get(clinic=clinic)
    assert (entry.action, entry.actor, entry.details["created"]) == (ClinicAction.CLINIC_EDITED, moderator, True)
    assert client.get("/clinics/eisblume-koln/").status_code == 200


def test_a_moderator_adds_a_practitioner_to_a_clinic(client, moderator):
    clinic = make_clinic("Nordlicht Skin Clinic")
    client.force_login(moderator)
    response = client.post(
        "/admin/clinics/practitioner/add/",
        {"name": "Lena Kraus", "profession": "cosmetologist", "country": "DE", "clinics": [clinic.pk]},
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    lena = Practitioner.objects.get(name="Lena Kraus")
    assert list(lena.clinics.all()) == [clinic]
    assert ClinicLogEntry.objects.get(clinic=clinic).action == ClinicAction.PRACTITIONER_ADDED


def test_the_badge_and_a_checked_licence_cannot_be_edited_in_the_admin(client, moderator):
    practitioner = make_practitioner(make_clinic("Nordlicht Skin Clinic"))
    client.force_login(moderator)
    page = client.get(f"/admin/clinics/practitioner/{practitioner.pk}/change/").content.decode()
    assert 'name="licence_number"' not in page and 'name="credentials_checked_on"' not in page
    assert 'name="name"' in page


def test_members_and_clinic_staff_have_no_admin(client, member, clinic_staff):
    for someone in (member, clinic_staff):
        client.force_login(someone)
        assert client.get("/admin/clinics/clinic/").status_code == 302  # to the admin's login
