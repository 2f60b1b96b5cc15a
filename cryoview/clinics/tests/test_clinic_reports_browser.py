"""The clinic report door and what it leads to, in a real browser at a phone's width: axe finds no serious
violation on the door, the review page with its receipt, the clinic page with its counts and label table, and the
guide with its label table; the page logs no console error; the review stays visible."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cryoview.clinics.models import ClinicReport, ReviewAttribution
from cryoview.clinics.tests.factories import make_clinic, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page() -> Iterator[object]:
    from tests.browser import chromium_page

    yield from chromium_page()


def test_a_clinic_reports_a_review_and_it_stays_visible(page, live_server, guides):
    from cryoview.accounts.tests.factories import PASSWORD
    from cryoview.moderation.tests.factories import reporter
    from cryoview.procedures.models import Procedure
    from cryoview.reviews.stats import stats_refresh
    from cryoview.reviews.tests.factories import published_review
    from tests.test_accessibility import violations
    from tests.test_review_journey import log_in

    massage = Procedure.objects.get(slug="facial-cryomassage")
    clinic = make_clinic("Nordlicht Skin Clinic")
    clinic.procedures.add(massage)
    review = published_review(massage, title="It stung more than they said", rating=2)
    ReviewAttribution.objects.create(review=review, clinic=clinic)
    for rating in (5, 4, 5, 4, 5):
        other = published_review(massage, rating=rating)
        ReviewAttribution.objects.create(review=other, clinic=clinic, label="verified")
    stats_refresh(procedure=massage)
    staff = reporter("manager@nordlicht.example.org")
    make_staff(staff, clinic)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.set_viewport_size({"width": 390, "height": 844})
    base = live_server.url
    log_in(page, base, staff.email, PASSWORD)
    page.goto(f"{base}/clinics/{clinic.slug}/staff/reviews/{review.pk}/report/")
    assert violations(page) == [], "the door"
    page.get_by_role("button", name="Send the report").click()  # no reason chosen: refused, says which
    page.wait_for_load_state()
    if "/report/" in page.url:  # the browser's own check (required radio) or the server's 422
        assert violations(page) == [], "the door with a problem"
    page.get_by_label("Fake or paid").check()
    page.get_by_label("Details (needed for “other”)").fill("We have no record of this visit.")
    page.get_by_role("button", name="Send the report").click()
    page.wait_for_url(f"{base}/reviews/{review.pk}/")
    assert "a clinic's report never hides a review" in page.content().replace("&#x27;", "'")
    assert page.get_by_role("heading", name="It stung more than they said").count() == 1
    assert violations(page) == [], "the review page with the receipt"
    assert ClinicReport.objects.filter(clinic=clinic, review=review).count() == 1
    page.goto(f"{base}{clinic.get_absolute_url()}")
    body = page.locator("main").inner_text()
    assert "Reported 1 of its reviews to the moderators: 1 waiting for a moderator." in body
    assert page.locator("caption", has_text="By label").count() == 1
    assert violations(page) == [], "the clinic page with its reports and labels"
    page.goto(f"{base}{massage.get_absolute_url()}")
    assert page.locator("[data-label=verified]").inner_text().split() == [
        "Verified",
        "5",
        "4.6",
        "of",
        "5",
        "(n",
        "=",
        "5)",
    ]
    assert violations(page) == [], "the guide with its label table"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "nothing wider than the phone"
    assert errors == []
