"""The review's clinic in a real browser: axe finds no serious violation on the pages that show it or ask for it,
and the fieldset works without JavaScript help (a plain select, then a field error next to the field)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from cryoview.clinics.enums import ClinicStatus, Profession
from cryoview.clinics.models import ReviewAttribution
from cryoview.clinics.tests.factories import make_clinic, make_practitioner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page() -> Iterator[object]:
    from tests.browser import chromium_page

    yield from chromium_page()


def test_the_attribution_is_accessible_where_it_is_shown_and_asked(page, live_server, guides, member):
    from cryoview.accounts.tests.factories import PASSWORD
    from cryoview.procedures.models import Procedure
    from cryoview.reviews.tests.factories import published_review
    from tests.test_accessibility import violations
    from tests.test_review_journey import log_in

    warts = Procedure.objects.get(slug="cryodestruction-of-benign-growths")
    clinic = make_clinic("Nordlicht Skin Clinic")
    clinic.procedures.add(warts)
    olga = make_practitioner(clinic, name="Olga Ivanova", profession=Profession.COSMETOLOGIST)
    anna = make_practitioner(clinic, credentials_checked_on=dt.date(2026, 9, 3))
    invited = published_review(warts, title="Invited review")
    ReviewAttribution.objects.create(review=invited, clinic=clinic, practitioner=olga, label="invited")
    verified = published_review(warts, title="Verified review")
    ReviewAttribution.objects.create(review=verified, clinic=clinic, practitioner=anna, label="verified")
    waiting = published_review(warts, title="At a suggested clinic")
    suggested = make_clinic("Cryo Mitte", status=ClinicStatus.SUGGESTED)
    ReviewAttribution.objects.create(review=waiting, clinic=suggested)
    base = live_server.url
    for path in (f"/reviews/{invited.pk}/", f"/reviews/{verified.pk}/", f"/procedures/{warts.slug}/reviews/"):
        page.goto(f"{base}{path}")
        assert violations(page) == [], path
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, base, member.email, PASSWORD)
    page.goto(f"{base}/procedures/{warts.slug}/reviews/new/")
    assert violations(page) == []
    page.get_by_label("Clinic", exact=True).select_option("new")
    page.get_by_label("Clinic's name").fill("Cryo Studio Nord")
    page.get_by_role("button", name="Submit for moderation").click()
    page.wait_for_load_state()
    assert page.locator("#id_new_clinic_city-error").inner_text() == "Enter the city the clinic is in."
    assert violations(page) == []
