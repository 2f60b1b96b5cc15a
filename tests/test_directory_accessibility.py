"""axe-core in Chromium on the clinic directory's pages: no serious or critical violations."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.test_accessibility import violations
from tests.test_review_journey import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_directory_pages_are_accessible(page, live_server, guides, member, moderator):
    from cryoview.accounts.tests.factories import PASSWORD
    from cryoview.clinics.enums import Profession, ReviewLabel
    from cryoview.clinics.models import ReviewAttribution
    from cryoview.clinics.services.directory import clinic_suggest
    from cryoview.clinics.tests.factories import make_clinic, make_practitioner
    from cryoview.procedures.models import Procedure
    from cryoview.reviews.tests.factories import published_review

    warts = Procedure.objects.get(slug="cryodestruction-of-benign-growths")
    massage = Procedure.objects.get(slug="facial-cryomassage")
    clinic = make_clinic("Nordlicht Skin Clinic", website="https://nordlicht.example.org/", phone="+49 30 123456")
    clinic.procedures.add(warts, massage)
    make_practitioner(clinic, credentials_checked_on=dt.date(2026, 11, 3))
    lena = make_practitioner(clinic, name="Lena Kraus", profession=Profession.COSMETOLOGIST)
    review = published_review(massage, title="Careful and calm", side_effects=["blister"])
    ReviewAttribution.objects.create(review=review, clinic=clinic, practitioner=lena, label=ReviewLabel.INVITED)
    from cryoview.clinics.services.reports import clinic_report_create  # the page's "reported" line and labels
    from cryoview.clinics.tests.factories import make_staff
    from cryoview.reviews.stats import stats_refresh

    clinic_report_create(clinic=clinic, review_id=review.pk, by=make_staff(member, clinic).user, reason="other",
                         details="Not our patient")  # fmt: skip
    stats_refresh(procedure=massage)
    clinic_suggest(name="Eisblume", city="Köln", country="DE", by=member)
    for path in (
        "/clinics/",
        f"/clinics/?procedure={warts.slug}&city=Berlin",
        "/clinics/?city=Atlantis",  # the 400 with its message
        clinic.get_absolute_url(),
        lena.get_absolute_url(),
        massage.get_absolute_url() + "#clinics",
    ):
        page.goto(f"{live_server.url}{path}")
        assert violations(page) == [], path
    log_in(page, live_server.url, moderator.email, PASSWORD)
    page.goto(f"{live_server.url}/clinics/suggestions/")
    assert violations(page) == [], "suggestions"
