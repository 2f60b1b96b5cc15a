"""axe-core in Chromium on the claim page, the staff console and its forms, and the moderators' checks queue
(the house's check: no serious or critical WCAG 2 A/AA violations), with a form error shown."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.browser import chromium_page
from tests.test_accessibility import violations
from tests.test_review_journey import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page() -> Iterator[object]:
    yield from chromium_page()


def test_claim_console_and_checks_pages_are_accessible(page, live_server, clinic_staff, moderator, member):
    from django.utils import timezone

    from cryoview.accounts.tests.factories import PASSWORD
    from cryoview.clinics.models import Clinic
    from cryoview.clinics.services.claims import clinic_claim_send
    from cryoview.clinics.services.credentials import LicenceFields, credential_check_send
    from cryoview.clinics.tests.documents import clear_documents, upload
    from cryoview.clinics.tests.factories import make_clinic, make_practitioner

    clear_documents()
    clinic = Clinic.objects.get(slug="nordlicht-skin-clinic")
    practitioner = make_practitioner(clinic)
    waiting = make_practitioner(clinic, name="Jana Roth", profession="cosmetologist")
    expires = timezone.localdate() + timedelta(days=300)
    credential_check_send(
        clinic=clinic,
        practitioner=waiting,
        by=clinic_staff,
        licence=LicenceFields("K-77", "Handwerkskammer Berlin", "DE", expires),
        document=upload(),
    )
    clinic_claim_send(
        clinic=make_clinic("Polar Aesthetics"), by=member, job_title="Owner", message="Hi", document=upload()
    )
    base = live_server.url
    log_in(page, base, clinic_staff.email, PASSWORD)
    for path in (
        "/clinics/nordlicht-skin-clinic/staff/",
        "/clinics/nordlicht-skin-clinic/staff/practitioners/new/",
        f"/clinics/nordlicht-skin-clinic/staff/practitioners/{practitioner.pk}/",
        f"/clinics/nordlicht-skin-clinic/staff/practitioners/{practitioner.pk}/credentials/",
        "/clinics/polar-aesthetics/claim/",
    ):
        page.goto(f"{base}{path}")
        assert violations(page) == [], path
    # A form error: a document that is not one.
    page.get_by_label("Your job title at the clinic").fill("Manager")
    page.set_input_files(
        "input[type=file]", files=[{"name": "a.pdf", "mimeType": "application/pdf", "buffer": b"<html>"}]
    )
    page.get_by_role("button", name="Send the claim").click()
    page.wait_for_load_state()
    assert "Must be a PDF, JPEG or PNG file" in page.content()
    assert violations(page) == [], "claim with an error"
    page.context.clear_cookies()
    log_in(page, base, moderator.email, PASSWORD)
    page.goto(f"{base}/clinics/checks/")
    assert "Jana Roth" in page.content() and "Polar Aesthetics" in page.content()
    assert violations(page) == [], "checks"
    clear_documents()
