"""The directory's pages: the list and its filters, a clinic, a practitioner, 404s, aggregates by label,
the guide's rule on who may perform a procedure, query counts, and the moderators' suggestions page."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cryoview.accounts.tests.factories import UserFactory
from cryoview.clinics.enums import ClinicStatus, Profession, ReviewLabel
from cryoview.clinics.models import Clinic, ClinicLogEntry, ReviewAttribution
from cryoview.clinics.services.directory import clinic_suggest
from cryoview.clinics.tests.factories import make_clinic, make_practitioner
from cryoview.procedures.models import Procedure
from cryoview.reviews.tests.factories import pending_review, published_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def massage(guides) -> Procedure:
    return Procedure.objects.get(slug="facial-cryomassage")


@pytest.fixture
def warts(guides) -> Procedure:
    return Procedure.objects.get(slug="cryodestruction-of-benign-growths")


def attributed(review, clinic, label=ReviewLabel.NONE, practitioner=None):
    ReviewAttribution.objects.create(review=review, clinic=clinic, label=label, practitioner=practitioner)
    return review


def text_of(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


# --- the list ------------------------------------------------------------------------------------------------


def test_the_directory_lists_listed_clinics_only(client, massage):
    make_clinic("Nordlicht Skin Clinic")
    make_clinic("Eisblume", status=ClinicStatus.SUGGESTED)
    make_clinic("Kaltfront", status=ClinicStatus.DECLINED)
    response = client.get("/clinics/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nordlicht Skin Clinic" in body
    assert "Eisblume" not in body and "Kaltfront" not in body


def test_filters_by_city_and_by_procedure(client, massage, warts):
    berlin = make_clinic("Nordlicht Skin Clinic", city="Berlin")
    berlin.procedures.add(massage)
    hamburg = make_clinic("Frost & Co Cosmetics", city="Hamburg")
    hamburg.procedures.add(warts)
    make_clinic("Kälte Berlin", city="Berlin").procedures.add(warts)

    by_city = client.get("/clinics/", {"city": "Hamburg"}).content.decode()
    assert "Frost &amp; Co Cosmetics" in by_city and "Nordlicht" not in by_city
    by_procedure = text_of(client.get("/clinics/", {"procedure": warts.slug}))
    assert "Frost & Co Cosmetics" in by_procedure and "Kälte Berlin" in by_procedure
    assert "Nordlicht" not in by_procedure
    both = text_of(client.get("/clinics/", {"procedure": warts.slug, "city": "Berlin"}))
    assert "Kälte Berlin" in both and "Frost" not in both and "Nordlicht" not in both


@pytest.mark.parametrize(
    ("query", "field"),
    [({"city": "Atlantis"}, "city"), ({"procedure": "time-travel"}, "procedure"), ({"cursor": "%%%"}, "cursor")],
)
def test_a_bad_filter_is_a_400_naming_the_field(client, massage, query, field):
    make_clinic("Nordlicht Skin Clinic")
    response = client.get("/clinics/", query)
    assert response.status_code == 400
    assert f"{field}:" in text_of(response)


def test_the_list_pages_by_name_with_a_cursor(client, massage):
    for n in range(23):
        make_clinic(f"Clinic {n:02d}")
    first = client.get("/clinics/").content.decode()
    assert "Clinic 00" in first and "Clinic 19" in first and "Clinic 20" not in first
    cursor = re.search(r'cursor=([^"&]+)"', first).group(1)
    second = client.get(f"/clinics/?cursor={cursor}").content.decode()
    assert "Clinic 20" in second and "Clinic 22" in second and "Clinic 19" not in second
    assert 'rel="next"' not in second


def test_the_list_costs_the_same_queries_for_one_clinic_and_for_many(client, massage, warts):
    def one_page_of_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/clinics/").status_code == 200
        return len(queries)

    clinic = make_clinic("Clinic A")
    clinic.procedures.add(massage)
    attributed(published_review(massage), clinic)
    one = one_page_of_queries()
    for n in range(8):
        other = make_clinic(f"Clinic B{n}")
        other.procedures.add(massage, warts)
        attributed(published_review(warts), other)
    assert one_page_of_queries() == one


# --- a clinic's page -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [ClinicStatus.SUGGESTED, ClinicStatus.DECLINED])
def test_unknown_suggested_and_declined_clinics_are_404(client, status):
    make_clinic("Eisblume", status=status)
    assert client.get("/clinics/eisblume/").status_code == 404
    assert client.get("/clinics/no-such-clinic/").status_code == 404


def test_the_clinic_page_shows_its_details_procedures_and_practitioners(client, massage):
    clinic = make_clinic(
        "Nordlicht Skin Clinic",
        address="Friedrichstraße 1",
        website="https://nordlicht.example.org/",
        phone="+49 30 123456",
    )
    clinic.procedures.add(massage)
    make_practitioner(clinic, credentials_checked_on=dt.date(2026, 11, 3))
    make_practitioner(clinic, name="Lena Kraus", profession=Profession.COSMETOLOGIST)
    response = client.get(clinic.get_absolute_url())
    body = response.content.decode()
    assert response.status_code == 200
    assert 'href="https://nordlicht.example.org/" rel="nofollow ugc noopener"' in body
    assert "Friedrichstraße 1" in body and "+49 30 123456" in body
    assert f'href="{massage.get_absolute_url()}"' in body
    assert "Credentials checked on 3 November 2026" in body
    assert body.count('data-badge="credentials"') == 1  # Lena Kraus has no check: no badge
    assert "Lena Kraus" in body
    assert "data-mismatch" not in body  # a cosmetologist and a dermatologist may both do cryomassage


def test_a_cosmetologist_at_a_wart_clinic_is_named_with_the_guides_source(client, warts):
    clinic = make_clinic("Nordlicht Skin Clinic")
    clinic.procedures.add(warts)
    make_practitioner(clinic, name="Dr. Anna Weber", profession=Profession.DERMATOLOGIST)
    lena = make_practitioner(clinic, name="Lena Kraus", profession=Profession.COSMETOLOGIST)
    page = text_of(client.get(clinic.get_absolute_url()))
    assert "Lena Kraus (cosmetologist): not the practitioner the guide names." in page
    assert "Anna Weber (dermatologist): not" not in page
    assert "only with a dermatologist" in page or "only by a dermatologist" in page
    body = client.get(clinic.get_absolute_url()).content.decode()
    assert f"{warts.get_absolute_url()}#claim-dermatologist-only" in body
    assert "Source: " in page
    practitioner_page = text_of(client.get(lena.get_absolute_url()))
    assert "Lena Kraus (cosmetologist): not the practitioner the guide names." in practitioner_page


def test_aggregates_count_published_reviews_only_and_by_label(client, massage):
    clinic = make_clinic("Nordlicht Skin Clinic")
    attributed(published_review(massage, rating=5), clinic, ReviewLabel.VERIFIED)
    attributed(published_review(massage, rating=3, worth_it="not_worth_it"), clinic, ReviewLabel.INVITED)
    attributed(published_review(massage, rating=4), clinic, ReviewLabel.INVITED)
    attributed(published_review(massage, rating=1), clinic)
    attributed(pending_review(massage, rating=1), clinic, ReviewLabel.VERIFIED)  # not published: not counted
    elsewhere = make_clinic("Frost & Co Cosmetics", city="Hamburg")
    attributed(published_review(massage, rating=1), elsewhere)
    response = client.get(clinic.get_absolute_url())
    body = response.content.decode()
    assert 'data-count="4"' in body
    assert 'data-stat="average">3.3<' in body  # (5 + 3 + 4 + 1) / 4 = 3.25
    assert "too few to say much" in body  # fewer than the guide's minimum
    labels = text_of(response)
    assert "By label Label Reviews Average rating Verified 1 too few to average Invited 2 too few to average" in labels
    assert "No label 1 too few to average" in labels
    assert body.count('class="review-card') == 4


def test_the_clinics_reviews_are_in_the_guide_lists_order(client, massage):
    clinic = make_clinic("Nordlicht Skin Clinic")
    older = attributed(published_review(massage, title="The older one"), clinic)
    newer = attributed(published_review(massage, title="The newer one"), clinic)
    body = client.get(clinic.get_absolute_url()).content.decode()
    assert body.index(newer.title) < body.index(older.title)


def test_a_clinic_without_replies_reports_or_invitations_shows_no_such_section(client, massage):
    clinic = make_clinic("Nordlicht Skin Clinic")
    assert "What the clinic did about its reviews" not in client.get(clinic.get_absolute_url()).content.decode()


def test_the_clinic_page_costs_the_same_queries_for_one_review_and_for_many(client, massage, warts):
    clinic = make_clinic("Nordlicht Skin Clinic")
    clinic.procedures.add(massage)
    make_practitioner(clinic)
    attributed(published_review(massage), clinic, ReviewLabel.VERIFIED)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(clinic.get_absolute_url()).status_code == 200
        return len(captured)

    one = queries()
    more = [
        attributed(published_review(massage, author=UserFactory(), rating=1 + n % 5), clinic, ReviewLabel.INVITED)
        for n in range(6)
    ]
    make_practitioner(clinic, name="Lena Kraus", profession=Profession.COSMETOLOGIST)
    from cryoview.clinics.services.reports import clinic_report_create
    from cryoview.clinics.tests.factories import make_staff
    from cryoview.moderation.enums import Decision
    from cryoview.moderation.services import review_decide
    from cryoview.reviews.tests.factories import factory_moderator

    staff = make_staff(UserFactory(), clinic).user  # the reviews it reported and the outcomes: still one query
    for review in more[:3]:
        clinic_report_create(clinic=clinic, review_id=review.pk, by=staff, reason="fake_or_paid")
    review_decide(review=more[0], by=factory_moderator(), decision=Decision.APPROVE)
    assert "Reported <strong>3</strong> of its reviews" in client.get(clinic.get_absolute_url()).text
    assert queries() == one


# --- a practitioner's page -----------------------------------------------------------------------------------


def test_the_practitioner_page_and_its_404s(client, massage):
    clinic = make_clinic("Nordlicht Skin Clinic")
    anna = make_practitioner(clinic, credentials_checked_on=dt.date(2026, 10, 1))
    attributed(published_review(massage, title="Anna was careful"), clinic, practitioner=anna)
    response = client.get(f"/clinics/practitioners/{anna.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Dr. Anna Weber" in body and "Credentials checked on 1 October 2026" in body
    assert "Anna was careful" in body and clinic.get_absolute_url() in body
    hidden = make_practitioner(make_clinic("Eisblume", status=ClinicStatus.SUGGESTED), name="Hidden Person")
    assert client.get(f"/clinics/practitioners/{hidden.pk}/").status_code == 404
    assert client.get("/clinics/practitioners/999999/").status_code == 404


# --- suggestions ---------------------------------------------------------------------------------------------


def test_only_moderators_see_the_suggestions(client, member, moderator, clinic_staff):
    clinic_suggest(name="Eisblume", city="Köln", country="DE", by=member)
    for someone in (None, member, clinic_staff):
        if someone is not None:
            client.force_login(someone)
        assert client.get("/clinics/suggestions/").status_code == 404
    client.force_login(moderator)
    response = client.get("/clinics/suggestions/")
    assert response.status_code == 200 and "Eisblume, Köln (DE)" in response.content.decode()


def test_a_moderator_lists_a_suggestion_from_the_page(client, member, moderator):
    clinic = clinic_suggest(name="Eisblume", city="Köln", country="DE", by=member)
    client.force_login(member)
    assert client.post(f"/clinics/suggestions/{clinic.pk}/decision", {"decision": "accept"}).status_code == 404
    client.force_login(moderator)
    response = client.post(f"/clinics/suggestions/{clinic.pk}/decision", {"decision": "accept"})
    assert response.status_code == 302
    clinic.refresh_from_db()
    assert clinic.status == ClinicStatus.LISTED
    assert client.get(clinic.get_absolute_url()).status_code == 200
    assert ClinicLogEntry.objects.filter(clinic=clinic, actor=moderator).count() == 1


def test_declining_without_a_reason_changes_nothing(client, member, moderator):
    clinic = clinic_suggest(name="Eisblume", city="Köln", country="DE", by=member)
    client.force_login(moderator)
    response = client.post(f"/clinics/suggestions/{clinic.pk}/decision", {"decision": "decline"}, follow=True)
    assert "reason" in text_of(response)
    assert Clinic.objects.get(pk=clinic.pk).status == ClinicStatus.SUGGESTED
    assert reverse("clinics:suggestions") == "/clinics/suggestions/"


def test_the_sitemap_lists_the_directory_and_listed_clinics_only(client, settings):
    make_clinic("Nordlicht Skin Clinic")
    make_clinic("Eisblume", status=ClinicStatus.SUGGESTED)
    body = client.get("/sitemap.xml").content.decode()
    site = settings.CONFIG.site_url
    assert f"<loc>{site}/clinics/</loc>" in body
    assert f"<loc>{site}/clinics/nordlicht-skin-clinic/</loc>" in body
    assert "eisblume" not in body


def test_the_guide_names_a_few_clinics_offering_it_and_links_to_the_filtered_directory(client, massage, warts):
    for n in range(7):
        make_clinic(f"Clinic {n}").procedures.add(massage)
    make_clinic("Eisblume", status=ClinicStatus.SUGGESTED).procedures.add(massage)
    page = client.get(massage.get_absolute_url()).content.decode()
    assert "Clinics offering this" in page
    assert "Clinic 4" in page and "Clinic 5" not in page and "Eisblume" not in page
    assert f'href="/clinics/?procedure={massage.slug}">All 7 clinics offering this' in page
    assert "No clinic in the" in client.get(warts.get_absolute_url()).content.decode()


def test_a_clinic_a_moderator_lists_shows_on_the_cached_guide_at_once(
    client, member, moderator, massage, django_capture_on_commit_callbacks
):
    from cryoview.clinics.services.directory import clinic_suggestion_decide

    assert "Eisblume" not in client.get(massage.get_absolute_url()).content.decode()  # cached for visitors now
    clinic = clinic_suggest(name="Eisblume", city="Köln", country="DE", by=member)
    clinic.procedures.add(massage)
    with django_capture_on_commit_callbacks(execute=True):
        clinic_suggestion_decide(clinic=clinic, by=moderator, accept=True, reason="")
    assert "Eisblume" in client.get(massage.get_absolute_url()).content.decode()


def test_the_practitioner_page_costs_the_same_queries_for_one_review_and_for_many(client, massage, warts):
    clinic = make_clinic("Nordlicht Skin Clinic")
    clinic.procedures.add(massage)
    anna = make_practitioner(clinic)
    attributed(published_review(massage), clinic, practitioner=anna)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(anna.get_absolute_url()).status_code == 200
        return len(captured)

    one = queries()
    for _ in range(5):
        attributed(published_review(warts, author=UserFactory()), clinic, practitioner=anna)
    clinic.procedures.add(warts)
    other = make_clinic("Frost & Co Cosmetics", city="Hamburg")
    other.procedures.add(warts)
    anna.clinics.add(other)
    assert queries() == one


def test_the_suggestions_page_costs_the_same_queries_for_one_and_for_many(client, moderator, member):
    client.force_login(moderator)
    clinic_suggest(name="Eisblume", city="Köln", country="DE", by=member)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/clinics/suggestions/").status_code == 200
        return len(captured)

    one = queries()
    for n in range(6):
        clinic_suggest(name=f"Kälte {n}", city="Bonn", country="DE", by=UserFactory())
    assert queries() == one


@pytest.mark.parametrize(
    "path",
    [
        f"/clinics/practitioners/{10**30}/",
        "/clinics/practitioners/0/",
        "/clinics/" + "a" * 300 + "/",
        "/clinics/nordlicht-skin-clinic/?cursor=%00",
        "/clinics/nordlicht-skin-clinic/?cursor=" + "x" * 500,
        "/clinics/?cursor=%C3%A9%ED%A0%80",
        "/clinics/?city=%00&procedure=%00",
    ],
)
def test_hostile_addresses_answer_4xx_or_a_redirect_never_5xx(client, path):
    make_clinic("Nordlicht Skin Clinic")
    assert client.get(path).status_code in (302, 400, 404)


def test_a_cursor_this_list_never_gave_out_is_refused_with_a_message(client, massage):
    clinic = make_clinic("Nordlicht Skin Clinic")
    response = client.get(clinic.get_absolute_url(), {"cursor": "WyJ4Il0"}, follow=True)
    assert response.status_code == 200
    assert "cursor: is not one this list gave out" in text_of(response)
