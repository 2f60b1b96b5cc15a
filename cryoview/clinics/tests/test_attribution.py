# ruff: noqa: F811 - the shared fixtures are imported, then asked for by name
"""A review's clinic and practitioner: the review form's "Where was it done?" fieldset, what the pages show, and
that nobody but the author (before publication) and moderators can change it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import clear_caches
from cryoview.accounts.models import User
from cryoview.accounts.tests.factories import PASSWORD
from cryoview.clinics.enums import ClinicStatus, Profession, ReviewLabel
from cryoview.clinics.models import Clinic, ReviewAttribution
from cryoview.clinics.services.attribution import AttributionInput, ClinicSuggestion, attribution_set
from cryoview.clinics.tests.factories import make_clinic, make_practitioner
from cryoview.core.errors import ApplicationError, NotFoundError
from cryoview.reviews.models import Review
from cryoview.reviews.services import review_approve, review_hide
from cryoview.reviews.tests.conftest import massage, warts  # noqa: F401 - shared fixtures
from cryoview.reviews.tests.factories import factory_moderator, pending_review, published_review
from cryoview.reviews.tests.test_pages import LIVE_MARKUP
from cryoview.videos.tests.conftest import clean_private_store  # noqa: F401 - shared fixture

pytestmark = pytest.mark.django_db(transaction=True)

NEW_URL = "/procedures/facial-cryomassage/reviews/new/"
FORM = {
    "rating": "4",
    "worth_it": "worth_it",
    "title": "Fresher skin",
    "body": "Cold, quick, no *pain*.",
    "side_effects": ["none"],
    "city": "Berlin",
    "consent": "on",
    "action": "submit",
}


@pytest.fixture
def nordlicht(massage) -> Clinic:
    clinic = make_clinic("Nordlicht Skin Clinic")
    clinic.procedures.add(massage)
    return clinic


def errors_of(html: str) -> set[str]:
    return {m.group(1) for m in re.finditer(r'id="id_(\w+)-error"', html)}


def attribute(review: Review, **choice) -> ReviewAttribution | None:
    return attribution_set(review=review, by=review.author, data=AttributionInput(**choice))


def test_the_form_offers_the_directory_and_replaces_the_free_text_clinic(client, member, nordlicht):
    make_clinic("Elsewhere Cosmetics", city="Paris", country="FR")
    make_practitioner(nordlicht)
    client.force_login(member)
    page = client.get(NEW_URL).text
    assert "Where was it done?" in page
    assert 'name="clinic_name"' not in page  # one place to name the clinic
    # Those offering the procedure first; every listed clinic; the way out when it is not listed.
    assert page.index("Clinics offering this procedure") < page.index("Other clinics in the directory")
    assert 'value="nordlicht-skin-clinic"' in page and 'value="elsewhere-cosmetics"' in page
    assert 'value="new"' in page and 'name="new_clinic_name"' in page
    assert "Dr. Anna Weber (dermatologist)" in page


def test_a_listed_clinic_and_its_practitioner(client, member, nordlicht):
    anna = make_practitioner(nordlicht, credentials_checked_on=dt.date(2026, 10, 1))
    client.force_login(member)
    response = client.post(NEW_URL, {**FORM, "clinic": nordlicht.slug, "practitioner": str(anna.pk)})
    review = Review.objects.get()
    assert response.status_code == 302
    row = ReviewAttribution.objects.get(review=review)
    assert (row.clinic, row.practitioner, row.label) == (nordlicht, anna, ReviewLabel.NONE)
    page = client.get(f"/reviews/{review.pk}/").text
    assert '<a href="/clinics/nordlicht-skin-clinic/">Nordlicht Skin Clinic</a>, Berlin' in page
    assert "Dr. Anna Weber, dermatologist" in page and "Credentials checked on 1 October 2026" in page
    assert "not yet in the directory" not in page
    # The edit form shows the choice as it is.
    edit = client.get(f"/reviews/{review.pk}/edit/").text
    assert re.search(r'<option value="nordlicht-skin-clinic" selected>', edit)
    assert re.search(rf'<option value="{anna.pk}" selected>', edit)


def test_a_suggested_clinic_waits_for_moderators_and_is_shown_as_typed(client, member, massage):
    client.force_login(member)
    suggestion = {"clinic": "new", "new_clinic_name": "  Cryo  Studio Mitte ", "new_clinic_city": "Berlin"}
    response = client.post(NEW_URL, {**FORM, **suggestion, "new_clinic_country": "de"})
    assert response.status_code == 302
    clinic = Clinic.objects.get()
    assert (clinic.name, clinic.city, clinic.country, clinic.status) == (
        "Cryo Studio Mitte",
        "Berlin",
        "DE",
        "suggested",
    )
    assert clinic.suggested_by == member
    page = client.get(response["Location"]).text
    assert 'Cryo Studio Mitte, Berlin <span class="muted">(not yet in the directory)</span>' in page
    assert f"/clinics/{clinic.slug}/" not in page  # never linked before a moderator lists it


def test_a_declined_suggestion_is_named_nowhere_public(client, member, massage, moderator):
    """Moderators decline made-up or abusive names: the review then shows no clinic, on its page and in the API."""
    from cryoview.clinics.services.directory import clinic_suggestion_decide

    client.force_login(member)
    suggestion = {"clinic": "new", "new_clinic_name": "Dr Quack Freezes All", "new_clinic_city": "Berlin"}
    response = client.post(NEW_URL, {**FORM, **suggestion, "new_clinic_country": "DE"})
    review = Review.objects.get()
    clinic_suggestion_decide(clinic=Clinic.objects.get(), by=moderator, accept=False, reason="not a real clinic")
    review_approve(review=review, by=moderator)
    client.logout()
    clear_caches()
    for url in (response["Location"], "/procedures/facial-cryomassage/reviews/", f"/api/v1/reviews/{review.pk}"):
        assert "Quack" not in client.get(url).text, url


def test_a_suggestion_of_a_listed_clinic_is_that_clinic(client, member, nordlicht, other_member):
    """Case, spaces and the select left at "Not stated" do not make a second clinic."""
    client.force_login(member)
    typed = {"new_clinic_name": "NORDLICHT skin   clinic", "new_clinic_city": "berlin", "new_clinic_country": "DE"}
    assert client.post(NEW_URL, {**FORM, **typed}).status_code == 302
    assert ReviewAttribution.objects.get().clinic == nordlicht
    assert Clinic.objects.count() == 1
    # The same suggestion twice is one suggested clinic, whatever the alphabet's case.
    first, second = pending_review(nordlicht.procedures.get()), pending_review(nordlicht.procedures.get())
    attribute(first, suggestion=ClinicSuggestion("Клиника Мороз", "Рига", "lv"))
    attribute(second, suggestion=ClinicSuggestion("клиника  МОРОЗ", "рига", "LV"))  # noqa: RUF001
    suggested = Clinic.objects.get(status=ClinicStatus.SUGGESTED)
    assert (suggested.name, suggested.country, suggested.slug) == ("Клиника Мороз", "LV", "clinic")
    assert ReviewAttribution.objects.filter(clinic=suggested).count() == 2


def test_leaving_it_empty_stores_nothing(client, member, massage):
    client.force_login(member)
    assert client.post(NEW_URL, FORM).status_code == 302
    assert Review.objects.count() == 1 and not ReviewAttribution.objects.exists() and not Clinic.objects.exists()


@pytest.mark.parametrize(
    ("choice", "named"),
    [
        ({"clinic": "no-such-clinic"}, {"clinic"}),
        ({"clinic": "new"}, {"new_clinic_name", "new_clinic_city", "new_clinic_country"}),
        (
            {"clinic": "new", "new_clinic_name": "X", "new_clinic_city": "Y", "new_clinic_country": "D3"},
            {"new_clinic_country"},
        ),
        (
            {"clinic": "new", "new_clinic_name": "a\x00b", "new_clinic_city": "Y", "new_clinic_country": "DE"},
            {"new_clinic_name"},
        ),
        (
            {"clinic": "new", "new_clinic_name": "x" * 121, "new_clinic_city": "Y", "new_clinic_country": "DE"},
            {"new_clinic_name"},
        ),
        ({"practitioner": "OTHER"}, {"practitioner"}),  # works elsewhere
        ({"clinic": "", "practitioner": "ANNA"}, {"practitioner"}),  # no clinic chosen
        ({"practitioner": "99999999999999999999999"}, {"practitioner"}),
    ],
)
def test_a_bad_choice_is_named_and_nothing_is_stored(client, member, nordlicht, choice, named):
    anna = make_practitioner(nordlicht)
    elsewhere = make_clinic("Frost & Co Cosmetics", city="Hamburg")
    other = make_practitioner(elsewhere, name="Olga Ivanova", profession=Profession.NURSE)
    ids = {"OTHER": str(other.pk), "ANNA": str(anna.pk)}
    data = {**FORM, "clinic": nordlicht.slug, **{k: ids.get(v, v) for k, v in choice.items()}}
    client.force_login(member)
    response = client.post(NEW_URL, data)
    assert response.status_code == 422
    assert named <= errors_of(response.text), errors_of(response.text)
    assert not Review.objects.exists() and not ReviewAttribution.objects.exists()
    assert Clinic.objects.count() == 2


def test_a_practitioner_of_another_clinic_gets_a_clear_error(client, member, nordlicht):
    elsewhere = make_clinic("Frost & Co Cosmetics", city="Hamburg")
    olga = make_practitioner(elsewhere, name="Olga Ivanova", profession=Profession.NURSE)
    client.force_login(member)
    response = client.post(NEW_URL, {**FORM, "clinic": nordlicht.slug, "practitioner": str(olga.pk)})
    assert response.status_code == 422
    assert "Does not work at Nordlicht Skin Clinic: choose one of its practitioners." in response.text


def test_a_write_refused_at_save_time_leaves_no_review(member, nordlicht, massage):
    """The check in the form and the one in the service are the same; if the directory changed in between, the
    service's refusal rolls the review back."""
    from cryoview.reviews.services import review_create
    from cryoview.reviews.tests.factories import review_input

    def write(review: Review) -> None:
        attribution_set(review=review, by=member, data=AttributionInput(clinic="gone-meanwhile"))

    with pytest.raises(ApplicationError) as refused:
        review_create(author=member, procedure=massage, data=review_input(), consent=True, extra_writes=[write])
    assert refused.value.problems[0].field == "clinic"
    assert not Review.objects.exists() and not ReviewAttribution.objects.exists()


def test_hostile_text_in_a_suggestion_renders_inert(client, member, massage):
    payload = '"><svg onload=alert(1)><script>alert(1)</script>'
    review = published_review(massage, member)
    ReviewAttribution.objects.create(
        review=review, clinic=Clinic.objects.create(slug="x", name=payload, city=payload[:80], country="DE",
                                                    status=ClinicStatus.SUGGESTED),
    )  # fmt: skip
    clear_caches()
    for url in (f"/reviews/{review.pk}/", "/procedures/facial-cryomassage/reviews/", "/procedures/facial-cryomassage/"):
        html = client.get(url).text
        assert "&lt;script&gt;" in html, url
        assert not LIVE_MARKUP.search(html), (url, LIVE_MARKUP.search(html))


def test_labels_badges_and_a_practitioner_the_guide_does_not_name(client, warts):
    """Wart removal by a cosmetologist: the guide says a dermatologist; the page says so, citing its source."""
    clinic = make_clinic("Nordlicht Skin Clinic")
    olga = make_practitioner(clinic, name="Olga Ivanova", profession=Profession.COSMETOLOGIST)
    anna = make_practitioner(clinic, credentials_checked_on=dt.date(2026, 9, 3))
    by_olga = published_review(warts, title="Olga froze my wart")
    by_anna = published_review(warts, title="Anna froze my wart")
    ReviewAttribution.objects.create(review=by_olga, clinic=clinic, practitioner=olga, label=ReviewLabel.INVITED)
    ReviewAttribution.objects.create(review=by_anna, clinic=clinic, practitioner=anna, label=ReviewLabel.VERIFIED)
    clear_caches()
    olga_page = client.get(f"/reviews/{by_olga.pk}/").text
    assert ">Invited</span>" in olga_page
    assert "Cosmetologist, but the guide says who may perform it: a dermatologist with higher medical education" in (
        olga_page
    )
    assert "#claim-dermatologist-only" in olga_page and "Source:" in olga_page
    anna_page = client.get(f"/reviews/{by_anna.pk}/").text
    assert ">Verified</span>" in anna_page and "Credentials checked on 3 September 2026" in anna_page
    assert "but the guide says" not in anna_page
    cards = client.get(f"/procedures/{warts.slug}/reviews/").text
    assert cards.count("but the guide says") == 1
    assert ">Invited</span>" in cards and ">Verified</span>" in cards and "Credentials checked on 3 Sep 2026" in cards


def test_an_old_free_text_clinic_shows_as_before_and_survives_an_edit(client, member, massage):
    review = pending_review(massage, member, clinic_name="Old Clinic Name")
    client.force_login(member)
    assert "<dt>Clinic</dt><dd>Old Clinic Name</dd>" in client.get(f"/reviews/{review.pk}/").text
    data = {**FORM, "title": "Changed title"}
    assert client.post(f"/reviews/{review.pk}/edit/", data).status_code == 302
    review.refresh_from_db()
    assert (review.title, review.clinic_name) == ("Changed title", "Old Clinic Name")


def test_a_hidden_review_shows_its_clinic_nowhere_public(client, massage, nordlicht):
    review = published_review(massage, title="Soon hidden")
    ReviewAttribution.objects.create(review=review, clinic=nordlicht)
    review_hide(review=review)
    clear_caches()
    assert "Nordlicht" not in client.get("/procedures/facial-cryomassage/reviews/").text
    guide = client.get("/procedures/facial-cryomassage/").text
    assert "Soon hidden" not in guide
    # The clinic may be named once, in the guide's "Clinics offering this" (the directory), never on a card.
    assert guide.count("Nordlicht") == guide.count("Nordlicht Skin Clinic</a>, Berlin</li>") <= 1
    assert client.get(f"/reviews/{review.pk}/").status_code == 404


def test_a_published_reviews_attribution_is_fixed_for_its_author(client, member, massage, nordlicht):
    review = published_review(massage, member)
    attribution_set(review=review, by=factory_moderator(), data=AttributionInput(clinic=nordlicht.slug))
    elsewhere = make_clinic("Frost & Co Cosmetics", city="Hamburg")
    client.force_login(member)
    form = client.get(f"/reviews/{review.pk}/edit/").text
    assert re.search(r'<select name="clinic"[^>]*disabled', form)
    response = client.post(f"/reviews/{review.pk}/edit/", {**FORM, "title": "An edit", "clinic": elsewhere.slug})
    assert response.status_code == 302  # the edit waits for a moderator; the clinic stays
    assert ReviewAttribution.objects.get(review=review).clinic == nordlicht
    with pytest.raises(ApplicationError) as refused:
        attribute(review, clinic=elsewhere.slug)
    assert refused.value.status == 409


def test_clinic_staff_cannot_change_a_reviews_attribution(client, massage, clinic_staff, other_clinic_staff):
    """Not through the service, the page or the API; the review stays as its author left it."""
    nordlicht = Clinic.objects.get(slug="nordlicht-skin-clinic")
    frost = Clinic.objects.get(slug="frost-co-cosmetics")
    review = pending_review(massage)
    attribute(review, clinic=nordlicht.slug)
    for staff in (clinic_staff, other_clinic_staff):
        with pytest.raises(NotFoundError):
            attribution_set(review=review, by=staff, data=AttributionInput(clinic=frost.slug))
        client.force_login(staff)
        assert client.get(f"/reviews/{review.pk}/edit/").status_code == 404
        assert client.post(f"/reviews/{review.pk}/edit/", {**FORM, "clinic": frost.slug}).status_code == 404
        api = client.patch(f"/api/v1/reviews/{review.pk}", {"title": "x"}, content_type="application/json")
        assert api.status_code == 404
    assert ReviewAttribution.objects.get(review=review).clinic == nordlicht


def _attributed(procedure, n: int, clinics: list[Clinic]) -> None:
    for i in range(n):
        author = User.objects.create_user(f"attr{i}@example.org", PASSWORD)
        review = published_review(procedure, author)
        clinic = clinics[i % len(clinics)]
        practitioner = make_practitioner(clinic, name=f"P{i}", profession=[Profession.NURSE, "dermatologist"][i % 2])
        label = [ReviewLabel.VERIFIED, ReviewLabel.INVITED, ReviewLabel.NONE][i % 3]
        ReviewAttribution.objects.create(review=review, clinic=clinic, practitioner=practitioner, label=label)


@pytest.mark.parametrize("url", ["/procedures/{slug}/reviews/", "/procedures/{slug}/"])
def test_the_lists_count_no_more_queries_with_many_attributed_reviews(client, warts, url, clean_private_store):
    url = url.format(slug=warts.slug)
    clinics = [make_clinic("Nordlicht Skin Clinic"), make_clinic("Cryo Mitte", status=ClinicStatus.SUGGESTED)]
    _attributed(warts, 1, clinics)
    clear_caches()
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for i in range(1, 10):
        author = User.objects.create_user(f"many{i}@example.org", PASSWORD)
        review = published_review(warts, author)
        clinic = clinics[i % 2]
        practitioner = make_practitioner(clinic, name=f"P{i}", profession=[Profession.NURSE, "dermatologist"][i % 2])
        ReviewAttribution.objects.create(review=review, clinic=clinic, practitioner=practitioner, label="verified")
    clear_caches()
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert page.status_code == 200 and page.text.count("but the guide says") >= 2
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]


def test_the_review_page_counts_the_same_queries_whatever_the_directory_holds(client, warts):
    clinic = make_clinic("Nordlicht Skin Clinic")
    review = published_review(warts, title="The one")
    nurse = make_practitioner(clinic, name="N", profession=Profession.NURSE)
    ReviewAttribution.objects.create(review=review, clinic=clinic, practitioner=nurse, label="invited")
    with CaptureQueriesContext(connection) as one:
        assert client.get(f"/reviews/{review.pk}/").status_code == 200
    _attributed(warts, 6, [clinic, make_clinic("Cryo Mitte")])
    with CaptureQueriesContext(connection) as many:
        page = client.get(f"/reviews/{review.pk}/")
    assert "but the guide says" in page.text
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]


def test_only_a_listed_clinic_is_linked_to_its_page(client, massage, nordlicht):
    listed = published_review(massage, title="At a listed clinic")
    suggested = published_review(massage, title="At a suggested clinic")
    ReviewAttribution.objects.create(review=listed, clinic=nordlicht)
    waiting = make_clinic("Cryo Mitte", status=ClinicStatus.SUGGESTED)
    ReviewAttribution.objects.create(review=suggested, clinic=waiting)
    clear_caches()
    link = '<a href="/clinics/nordlicht-skin-clinic/">Nordlicht Skin Clinic</a>, Berlin'
    assert link in client.get(f"/reviews/{listed.pk}/").text
    cards = client.get("/procedures/facial-cryomassage/reviews/").text
    assert link in cards and "/clinics/cryo-mitte/" not in cards
    assert 'Cryo Mitte, Berlin <span class="muted">(not yet in the directory)</span>' in cards


def test_changes_that_cards_show_reach_the_cached_lists(client, warts):
    """A badge given, or a moderator's change of a published review's clinic, shows on visitors' kept pages."""
    from django.db import transaction

    from cryoview.clinics.services.pages import attribution_pages_changed

    clinic = make_clinic("Nordlicht Skin Clinic")
    anna = make_practitioner(clinic)
    review = published_review(warts, title="Kept page")
    ReviewAttribution.objects.create(review=review, clinic=clinic, practitioner=anna)
    clear_caches()
    url = f"/procedures/{warts.slug}/reviews/"
    assert "Dr. Anna Weber" in client.get(url).text
    anna.credentials_checked_on = dt.date(2026, 9, 3)
    anna.save()
    assert "Credentials checked" not in client.get(url).text  # the kept page, until someone says it changed
    with transaction.atomic():
        assert attribution_pages_changed(practitioner_ids=[anna.pk]) == 1
    assert "Credentials checked on 3 Sep 2026" in client.get(url).text
    elsewhere = make_clinic("Frost & Co Cosmetics", city="Hamburg")
    with transaction.atomic():
        attribution_set(review=review, by=factory_moderator(), data=AttributionInput(clinic=elsewhere.slug))
    assert '<a href="/clinics/frost-co-cosmetics/">Frost &amp; Co Cosmetics</a>, Hamburg' in client.get(url).text
