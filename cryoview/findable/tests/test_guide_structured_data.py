"""The guide page's JSON-LD (MedicalWebPage), validated like the review's: who reviewed it and when, its sources
as they are cited (what each is, kept), the procedure it is about, and an AggregateRating only once there are
enough published reviews for the page itself to stop saying "too few to say much"."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from cryoview.comments.tests.markup import live_markup
from cryoview.findable.structured import agent
from cryoview.findable.tests.test_structured_data import structured
from cryoview.moderation.enums import Decision
from cryoview.moderation.services import review_decide
from cryoview.procedures.models import Procedure, Source
from cryoview.reviews.selectors import STATS_MEANINGFUL_COUNT, stats_get
from cryoview.reviews.services import review_hide, review_take_down, review_withdraw
from cryoview.reviews.tests.factories import factory_moderator, pending_review, published_review, recount_queued

pytestmark = pytest.mark.django_db
GUIDE = "/procedures/facial-cryomassage/"
ARTICLE_TITLE = "Cryomassage of the face: video reviews"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run `change()` as if its transaction committed, then the queued recount, as the worker would."""

    def run(change):
        with django_capture_on_commit_callbacks(execute=True):
            result = change()
        recount_queued()
        return result

    return run


def page_data(client, url: str = GUIDE) -> dict:
    found = structured(client, url)
    assert set(found) == {"MedicalWebPage"}
    return found["MedicalWebPage"]


def test_a_guide_is_a_medical_web_page_with_its_review_its_sources_and_its_procedure(client, massage):
    data = page_data(client)
    url = settings.CONFIG.site_url + GUIDE
    assert data["url"] == url and data["name"] == massage.name and data["description"] == massage.summary
    assert data["lastReviewed"] == massage.reviewed_on.isoformat() == "2026-11-24"
    assert data["reviewedBy"] == {"@type": "Organization", "name": "Cryoview editorial team"}
    assert data["about"] == data["mainEntity"] == {"@type": "MedicalProcedure", "name": massage.name, "url": url}
    assert data["medicalAudience"] == {"@type": "MedicalAudience", "audienceType": "Patient"}
    assert "aggregateRating" not in data
    names = [work["name"] for work in data["citation"]]
    html = client.get(GUIDE).content.decode()
    assert len(names) == html.count('<li id="source-'), "every source the page lists, and no other"
    article = next(work for work in data["citation"] if work["name"].startswith(ARTICLE_TITLE))
    # What it is stays attached wherever it is cited, and nothing suggests an author, publisher or address.
    assert article["name"] == f"{ARTICLE_TITLE} (an unsourced, translated beauty article)"
    assert article["description"].startswith("Unsourced web article")
    assert not {"url", "author", "publisher"} & set(article)
    leaflet = next(work for work in data["citation"] if work.get("url", "").startswith("https://dermnetnz.org/"))
    assert leaflet["publisher"] == {"@type": "Organization", "name": "DermNet"}
    assert leaflet["author"] == {"@type": "Person", "name": "A. Oakley"}


def test_a_medical_guide_is_about_a_therapy_and_another_guide_cites_the_article_by_what_it_is(client, guides):
    warts = page_data(client, "/procedures/cryodestruction-of-benign-growths/")
    assert warts["about"]["@type"] == "MedicalTherapy"
    other = page_data(client, "/procedures/cryoelectrophoresis/")
    assert other["about"]["@type"] == "MedicalProcedure"
    assert ARTICLE_TITLE not in json.dumps(other), "a guide the article is not about never cites it by its title"
    names = [work["name"] for work in other["citation"]]
    assert any(name.endswith("that mentions this procedure in passing") for name in names)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Cryoview editorial team", "Organization"),
        ("British Association of Dermatologists", "Organization"),
        ("Kingston Hospital NHS Foundation Trust", "Organization"),
        ("DermNet editors", "Organization"),
        ("A. Oakley", "Person"),
        ("Dr Maria Teamster", "Person"),  # a word boundary, not a substring
    ],
)
def test_who_reviewed_or_wrote_is_a_person_or_an_organisation(name, kind):
    assert agent(name) == {"@type": kind, "name": name}


def test_the_rating_appears_at_the_threshold_with_the_pages_own_numbers(client, massage, committed):
    assert STATS_MEANINGFUL_COUNT == 5
    for rating in (5, 4, 4, 2):
        committed(lambda rating=rating: published_review(massage, rating=rating))
    assert "aggregateRating" not in page_data(client)
    assert "too few to say much" in client.get(GUIDE).content.decode(), "the page and its markup agree"
    committed(lambda: published_review(massage, rating=5))
    data = page_data(client)
    assert data["aggregateRating"] == {
        "@type": "AggregateRating",
        "itemReviewed": data["about"],
        "ratingValue": 4.0,
        "ratingCount": 5,
        "reviewCount": 5,
        "bestRating": 5,
        "worstRating": 1,
    }
    assert data["aggregateRating"]["ratingValue"] == stats_get(procedure=massage)["rating"]["average"]
    assert "too few to say much" not in client.get(GUIDE).content.decode()


def test_only_published_visible_reviews_count_towards_the_rating(client, massage, committed):
    for _ in range(STATS_MEANINGFUL_COUNT - 1):
        committed(lambda: published_review(massage, rating=5))
    moderator = factory_moderator()
    pending_review(massage, rating=1)
    rejected = pending_review(massage, rating=1)
    committed(lambda: review_decide(review=rejected, by=moderator, decision=Decision.REJECT, reason="Advert."))
    hidden, withdrawn, taken_down = (committed(lambda: published_review(massage, rating=1)) for _ in range(3))
    assert page_data(client)["aggregateRating"]["ratingCount"] == STATS_MEANINGFUL_COUNT + 2
    committed(lambda: review_hide(review=hidden))
    committed(lambda: review_withdraw(review=withdrawn, by=withdrawn.author))
    committed(lambda: review_take_down(review=taken_down, by=moderator, reason="Advertising."))
    assert stats_get(procedure=massage)["count"] == STATS_MEANINGFUL_COUNT - 1
    assert "aggregateRating" not in page_data(client), "eight reviews exist, four are public: too few"


HOSTILE = '</script><script>alert(1)</script><!-- "x" & <img src=x onerror=alert(1)>'


def test_hostile_guide_and_source_text_stays_data(client, massage):
    Procedure.objects.filter(pk=massage.pk).update(name=HOSTILE[:200], summary=HOSTILE, reviewed_by=HOSTILE[:200])
    Source.objects.filter(slug="dermnet-cryotherapy").update(
        title=HOSTILE, publisher=HOSTILE[:200], author=HOSTILE[:200], reliability=HOSTILE
    )
    html = client.get(GUIDE).content.decode()
    assert live_markup(html) == []
    data = page_data(client)
    assert data["name"] == HOSTILE[:200] and data["description"] == HOSTILE
    assert data["reviewedBy"]["name"] == HOSTILE[:200]
    work = next(work for work in data["citation"] if work.get("url", "").startswith("https://dermnetnz.org/"))
    assert work["name"] == HOSTILE and work["publisher"]["name"] == HOSTILE[:200]
