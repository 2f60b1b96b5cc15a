"""The clinic staff console: what staff may change (not the clinic's name, city or country), every change in the
clinic log, the log shown on the console, and field errors named on the page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cryoview.clinics.enums import ClinicAction
from cryoview.clinics.models import Clinic, ClinicLogEntry, Practitioner
from cryoview.clinics.services.staff import ClinicDetails, clinic_details_update
from cryoview.clinics.tests.factories import make_practitioner
from cryoview.core.errors import ApplicationError
from cryoview.procedures.models import Procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic(clinic_staff) -> Clinic:
    return Clinic.objects.get(slug="nordlicht-skin-clinic")


def test_staff_edit_the_details_but_not_the_name_city_or_country_and_it_is_logged(client, clinic, clinic_staff, guides):
    client.force_login(clinic_staff)
    procedure = Procedure.objects.order_by("pk").first()
    assert procedure is not None
    form = {
        "address": "Friedrichstraße 1, 10117 Berlin",
        "website": "https://nordlicht.example",
        "phone": "+49 30 1234567",
        "procedures": [procedure.pk],
        "name": "A Brand New Name",
        "city": "Paris",
        "country": "FR",
    }
    response = client.post(reverse("clinics:staff", args=[clinic.slug]), form)
    assert response.status_code == 302
    clinic.refresh_from_db()
    assert (clinic.name, clinic.city, clinic.country) == ("Nordlicht Skin Clinic", "Berlin", "DE")
    assert clinic.address.startswith("Friedrichstraße") and list(clinic.procedures.all()) == [procedure]
    entry = ClinicLogEntry.objects.get(action=ClinicAction.CLINIC_EDITED)
    assert entry.actor == clinic_staff and entry.details["fields"] == ["address", "website", "phone", "procedures"]
    page = client.get(reverse("clinics:staff", args=[clinic.slug])).content.decode()
    assert 'data-action="clinic_edited"' in page and "Clinic details edited" in page


@pytest.mark.parametrize("bad", ["99999999999999999999", "-1", "1.5", "abc", "0x10"])
def test_a_hostile_procedure_id_is_a_form_error_and_changes_nothing(client, clinic, clinic_staff, bad):
    client.force_login(clinic_staff)
    response = client.post(
        reverse("clinics:staff", args=[clinic.slug]), {"address": "Somewhere 1", "procedures": [bad]}
    )
    assert response.status_code == 422 and "Choose procedures from the list." in response.content.decode()
    clinic.refresh_from_db()
    assert clinic.address == "" and not ClinicLogEntry.objects.filter(action=ClinicAction.CLINIC_EDITED).exists()


def test_saving_unchanged_details_logs_nothing(clinic, clinic_staff):
    details = ClinicDetails(address="", website="", phone="", procedure_ids=[])
    clinic_details_update(clinic=clinic, by=clinic_staff, details=details)
    assert not ClinicLogEntry.objects.exists()


@pytest.mark.parametrize(
    ("details", "field"),
    [
        (ClinicDetails(address="", website="javascript:alert(1)", phone="", procedure_ids=[]), "website"),
        (ClinicDetails(address="", website="", phone="call us!", procedure_ids=[]), "phone"),
        (ClinicDetails(address="a\x00b", website="", phone="", procedure_ids=[]), "address"),
        (ClinicDetails(address="", website="", phone="", procedure_ids=[987654]), "procedures"),
    ],
    ids=["website", "phone", "nul", "procedure"],
)
def test_bad_details_are_refused_naming_the_field(clinic, clinic_staff, details, field):
    with pytest.raises(ApplicationError) as refused:
        clinic_details_update(clinic=clinic, by=clinic_staff, details=details)
    assert [p.field for p in refused.value.problems] == [field] and not ClinicLogEntry.objects.exists()


def test_staff_of_another_clinic_cannot_edit_it(clinic, other_clinic_staff):
    details = ClinicDetails(address="Taken over", website="", phone="", procedure_ids=[])
    with pytest.raises(ApplicationError) as refused:
        clinic_details_update(clinic=clinic, by=other_clinic_staff, details=details)
    assert refused.value.status == 404
    clinic.refresh_from_db()
    assert clinic.address == ""


def test_adding_and_editing_a_practitioner_through_the_pages_is_logged(client, clinic, clinic_staff):
    client.force_login(clinic_staff)
    new = {"name": "Jana Roth", "profession": "cosmetologist", "country": "de", "licence_expires_on": "2031-05-01"}
    assert client.post(reverse("clinics:staff_practitioner_new", args=[clinic.slug]), new).status_code == 302
    jana = Practitioner.objects.get(name="Jana Roth")
    assert jana.country == "DE" and list(jana.clinics.all()) == [clinic] and jana.credentials_checked_on is None
    edit = {**new, "name": "Jana Roth-Weber", "licence_expires_on": "2031-02-30"}
    response = client.post(reverse("clinics:staff_practitioner", args=[clinic.slug, jana.pk]), edit)
    assert response.status_code == 422 and "Enter the date as YYYY-MM-DD" in response.content.decode()
    edit["licence_expires_on"] = "2031-05-01"
    assert client.post(reverse("clinics:staff_practitioner", args=[clinic.slug, jana.pk]), edit).status_code == 302
    actions = list(ClinicLogEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == [ClinicAction.PRACTITIONER_ADDED, ClinicAction.PRACTITIONER_EDITED]


def test_a_practitioner_of_another_clinic_is_404_through_this_clinics_console(
    client, clinic, clinic_staff, other_clinic_staff
):
    theirs = make_practitioner(Clinic.objects.get(slug="frost-co-cosmetics"), name="Not Yours")
    client.force_login(clinic_staff)
    for name in ("clinics:staff_practitioner", "clinics:staff_credentials"):
        assert client.get(reverse(name, args=[clinic.slug, theirs.pk])).status_code == 404
