"""A clinic reports a review: it is queued like anyone's report, but never hides the review, whichever door its staff
use (the review page's form, the reviews API, the clinic's page door, the clinic's API door) and however many of
them report it. The clinic's page and API count the reviews it reported and what moderators decided."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cryoview.accounts.models import User
from cryoview.accounts.services import token_issue
from cryoview.clinics.enums import ClinicAction
from cryoview.clinics.models import Clinic, ClinicLogEntry, ClinicReport, ReviewAttribution
from cryoview.clinics.services.reports import clinic_report_create
from cryoview.clinics.tests.factories import make_clinic, make_staff
from cryoview.moderation.enums import Decision, ReporterTrust
from cryoview.moderation.models import Report
from cryoview.moderation.services import review_decide
from cryoview.moderation.tests.factories import established
from cryoview.procedures.models import Procedure
from cryoview.reviews.models import Review
from cryoview.reviews.tests.factories import published_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def massage(guides) -> Procedure:
    return Procedure.objects.get(slug="facial-cryomassage")


@pytest.fixture
def threshold(settings) -> int:
    settings.CONFIG = replace(settings.CONFIG, reports_hide_threshold=3, reports_per_hour=1000)
    return 3


def of_clinic(review: Review, clinic: Clinic) -> Review:
    ReviewAttribution.objects.create(review=review, clinic=clinic)
    return review


def staff_of(clinic: Clinic, n: int, prefix: str) -> list[User]:
    """Established members (verified, old accounts: their reports would count) who are approved staff of `clinic`."""
    people = established(n, prefix=prefix)
    for person in people:
        make_staff(person, clinic)
    return people


def bearer(user: User) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user, name='test').secret}"}


def report_through(client, door: str, who: User, review: Review, clinic: Clinic, reason: str = "fake_or_paid"):
    """One report by `who` through one of the four doors; returns the response."""
    if door == "review page":
        client.force_login(who)
        return client.post(f"/reviews/{review.pk}/report/", {"reason": reason}, follow=True)
    if door == "reviews API":
        url = f"/api/v1/reviews/{review.pk}/reports"
        return client.post(url, {"reason": reason}, content_type="application/json", **bearer(who))
    if door == "clinic page":
        client.force_login(who)
        url = f"/clinics/{clinic.slug}/staff/reviews/{review.pk}/report/"
        return client.post(url, {"reason": reason}, follow=True)
    url = f"/api/v1/clinics/{clinic.slug}/reviews/{review.pk}/reports"
    return client.post(url, {"reason": reason}, content_type="application/json", **bearer(who))


DOORS = ["review page", "reviews API", "clinic page", "clinic API"]


@pytest.mark.parametrize("door", DOORS)
def test_several_staff_of_one_clinic_never_hide_its_review(client, door, massage, member, threshold):
    clinic = make_clinic("Nordlicht Skin Clinic")
    review = of_clinic(published_review(massage, member), clinic)
    staff = staff_of(clinic, threshold + 1, prefix="nordlicht")
    for who in staff:
        response = report_through(client, door, who, review, clinic)
        text = response.text
        if door.endswith("API"):
            assert response.status_code == 201, text
            body = response.json()
            assert body["counts_towards_hiding"] is False and body["hidden"] is False
        else:
            assert response.status_code == 200 and response.redirect_chain[-1][0] == f"/reviews/{review.pk}/"
        assert "a clinic's report never hides a review" in text.replace("&#x27;", "'")
        assert "a moderator will decide" in text
    review.refresh_from_db()
    assert review.hidden_at is None and review.is_visible, f"{len(staff)} staff reports must not hide it"
    assert client.get(f"/reviews/{review.pk}/").status_code == 200
    reports = Report.objects.filter(review=review)
    assert reports.count() == len(staff), "every report is still queued for a moderator"
    assert set(reports.values_list("trust", flat=True)) == {ReporterTrust.INTERESTED}
    assert ClinicReport.objects.filter(clinic=clinic, review=review).count() == len(staff)
    logged = ClinicLogEntry.objects.filter(clinic=clinic, action=ClinicAction.REVIEW_REPORTED)
    assert sorted(logged.values_list("actor_id", flat=True)) == sorted(u.pk for u in staff)
    assert {entry.target_id for entry in logged} == {str(review.pk)}


def test_staff_using_every_door_on_one_review_still_never_hide_it(client, massage, member, threshold):
    clinic = make_clinic("Nordlicht Skin Clinic")
    review = of_clinic(published_review(massage, member), clinic)
    for door, who in zip(DOORS, staff_of(clinic, 4, prefix="nordlicht"), strict=True):
        report_through(client, door, who, review, clinic)
    review.refresh_from_db()
    assert review.hidden_at is None
    assert ClinicReport.objects.filter(review=review).count() == 4


def test_the_clinics_reports_do_not_add_to_the_members_that_count(client, massage, member, threshold):
    clinic = make_clinic("Nordlicht Skin Clinic")
    review = of_clinic(published_review(massage, member), clinic)
    for who in staff_of(clinic, 2, prefix="nordlicht"):
        report_through(client, "review page", who, review, clinic)
    for who in established(2, prefix="reader"):
        report_through(client, "review page", who, review, clinic)
    review.refresh_from_db()
    assert review.hidden_at is None, "two readers count; two of the clinic's staff do not"
    [third] = established(1, prefix="third")
    report_through(client, "review page", third, review, clinic)
    review.refresh_from_db()
    assert review.hidden_at is not None, "three readers reach the threshold as always"


def test_staff_of_another_clinic_are_ordinary_members_there(client, massage, member, threshold):
    nordlicht = make_clinic("Nordlicht Skin Clinic")
    frost = make_clinic("Frost & Co Cosmetics", city="Hamburg")
    review = of_clinic(published_review(massage, member), nordlicht)
    frost_staff = staff_of(frost, 3, prefix="frost")
    for door in ("clinic page", "clinic API"):  # their own clinic's door, and Nordlicht's: neither is theirs
        for clinic in (frost, nordlicht):
            response = report_through(client, door, frost_staff[0], review, clinic)
            assert response.status_code == 404, (door, clinic.slug)
    assert not Report.objects.exists() and not ClinicReport.objects.exists()
    for who in frost_staff:
        response = report_through(client, "reviews API", who, review, nordlicht)
        assert response.status_code == 201 and response.json()["counts_towards_hiding"] is True
    review.refresh_from_db()
    assert review.hidden_at is not None, "three established members with no stake in it hide it until a decision"
    assert set(Report.objects.values_list("trust", flat=True)) == {ReporterTrust.TRUSTED}
    assert not ClinicReport.objects.exists(), "not their clinic's review: not counted as a clinic report"


def test_a_review_without_a_clinic_or_of_no_clinic_of_theirs_is_404_at_the_clinic_door(
    client, massage, member, threshold
):
    clinic = make_clinic("Nordlicht Skin Clinic")
    [who] = staff_of(clinic, 1, prefix="nordlicht")
    nowhere = published_review(massage, title="No clinic named")
    hidden = of_clinic(published_review(massage, title="Hidden"), clinic)
    Review.objects.filter(pk=hidden.pk).update(hidden_at=hidden.published_at)
    for review in (nowhere, hidden):
        for door in ("clinic page", "clinic API"):
            assert report_through(client, door, who, review, clinic).status_code == 404, (door, review.title)
    client.force_login(who)
    assert client.get(f"/clinics/{clinic.slug}/staff/reviews/999999/report/").status_code == 404
    assert not Report.objects.exists()


def test_the_clinic_door_page_says_what_happens(client, massage, member):
    clinic = make_clinic("Nordlicht Skin Clinic")
    review = of_clinic(published_review(massage, member, title="Cold and honest"), clinic)
    [who] = staff_of(clinic, 1, prefix="nordlicht")
    client.force_login(who)
    page = client.get(f"/clinics/{clinic.slug}/staff/reviews/{review.pk}/report/").text
    assert "Cold and honest" in page and "You report as Nordlicht Skin Clinic" in page
    assert "never hides a review" in page and 'name="reason"' in page
    assert 'name="part"' not in page, "a review without a video has no part to choose"


# --- what the clinic's page and API count --------------------------------------------------------------------


def test_the_clinic_page_and_api_count_its_reports_and_what_moderators_decided(client, massage, member, moderator):
    clinic = make_clinic("Nordlicht Skin Clinic")
    first, second = staff_of(clinic, 2, prefix="nordlicht")
    reviews = {name: of_clinic(published_review(massage, title=name), clinic) for name in "ABCDE"}
    for review in reviews.values():
        clinic_report_create(clinic=clinic, review_id=review.pk, by=first, reason="fake_or_paid")
    clinic_report_create(clinic=clinic, review_id=reviews["B"].pk, by=second, reason="other", details="Not a patient")
    review_decide(review=reviews["A"], by=moderator, decision=Decision.REJECT, reason="A paid review")
    review_decide(review=reviews["B"], by=moderator, decision=Decision.APPROVE)
    review_decide(review=reviews["C"], by=moderator, decision=Decision.APPROVE)
    review_decide(review=reviews["D"], by=moderator, decision=Decision.DISMISS)
    page = client.get(clinic.get_absolute_url()).text
    assert (
        "Reported <strong>5</strong> of its reviews to the moderators: <strong>1</strong> removed, "
        "<strong>2</strong> kept, <strong>1</strong> report dismissed, <strong>1</strong> waiting for a moderator."
    ) in page
    detail = client.get(f"/api/v1/clinics/{clinic.slug}").json()
    assert detail["reports"] == {"reviews": 5, "reports": 6, "removed": 1, "kept": 2, "dismissed": 1, "waiting": 1}
    other = make_clinic("Frost & Co Cosmetics", city="Hamburg")
    assert "Reported" not in client.get(other.get_absolute_url()).text
    nothing = client.get(f"/api/v1/clinics/{other.slug}").json()["reports"]
    assert nothing == {"reviews": 0, "reports": 0, "removed": 0, "kept": 0, "dismissed": 0, "waiting": 0}


def test_a_members_report_is_not_counted_as_the_clinics(client, massage, member, threshold):
    clinic = make_clinic("Nordlicht Skin Clinic")
    review = of_clinic(published_review(massage, member), clinic)
    [reader] = established(1, prefix="reader")
    report_through(client, "review page", reader, review, clinic)
    assert Report.objects.count() == 1 and not ClinicReport.objects.exists()
    assert client.get(f"/api/v1/clinics/{clinic.slug}").json()["reports"]["reviews"] == 0


def test_revoked_staff_are_ordinary_members_again(client, massage, member, threshold):
    from cryoview.clinics.enums import StaffStatus
    from cryoview.clinics.models import ClinicStaff

    clinic = make_clinic("Nordlicht Skin Clinic")
    review = of_clinic(published_review(massage, member), clinic)
    [former] = staff_of(clinic, 1, prefix="former")
    ClinicStaff.objects.filter(user=former).update(status=StaffStatus.REVOKED)
    assert report_through(client, "clinic API", former, review, clinic).status_code == 404
    response = report_through(client, "reviews API", former, review, clinic)
    assert response.status_code == 201 and response.json()["counts_towards_hiding"] is True
    assert not ClinicReport.objects.exists()
