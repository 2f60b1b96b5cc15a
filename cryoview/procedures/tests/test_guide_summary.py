"""The top of every guide says what a visitor came for; the long text below it folds its evidence per section;
sources say what they are; badges and empty lists say only what is true."""

from __future__ import annotations

import re

import pytest

from cryoview.procedures.models import Procedure, Source
from cryoview.reviews.selectors import stats_get
from cryoview.reviews.tests.factories import published_review, recount_queued

GUIDES = ["facial-cryomassage", "cryodestruction-of-benign-growths", "cryoelectrophoresis"]
ARTICLE_TITLE = "Cryomassage of the face: video reviews"


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def block(html: str, start: str, end: str) -> str:
    return html.split(start, 1)[1].split(end, 1)[0]


def summary_of(html: str) -> str:
    return block(html, 'class="guide-summary"', 'class="guide-layout"')


@pytest.fixture
def massage(guides) -> Procedure:
    return Procedure.objects.get(slug="facial-cryomassage")


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    """A published review, with the aggregates recounted as after a real commit."""

    def publish(procedure: Procedure, **overrides):
        with django_capture_on_commit_callbacks(execute=True):
            review = published_review(procedure, **overrides)
        recount_queued()  # the recount is queued on commit: run it as the worker would
        return review

    return publish


@pytest.mark.parametrize("slug", GUIDES)
def test_the_summary_comes_before_the_long_text_with_facts_and_who_should_not_have_it(client, guides, slug):
    html = page(client, f"/procedures/{slug}/")
    top = html.index('class="guide-summary"')
    assert top < html.index('class="guide-layout"') < html.index('id="section-what_it_is"')
    summary = text_of(summary_of(html))
    for words in ("What reviewers say", "published reviews", "Key facts", "Who may perform it", "Do not have it if"):
        assert words in summary, words
    assert f'href="/procedures/{slug}/reviews/"' in summary_of(html)


def test_the_summary_shows_the_stored_review_numbers_with_their_sample_size(client, massage, publish):
    publish(massage, rating=5, worth_it="worth_it")
    publish(massage, rating=4, worth_it="worth_it")
    publish(massage, rating=2, worth_it="not_worth_it")
    stats = stats_get(procedure=massage)
    summary = summary_of(page(client, "/procedures/facial-cryomassage/"))
    assert stats["count"] == 3
    assert '<strong data-stat="count">3</strong> published reviews' in summary
    assert f'<strong data-stat="average">{stats["rating"]["average"]:.1f}</strong> of 5' in summary  # 3.7
    assert f'<strong data-stat="worth-it">{stats["worth_it_percent"]} %</strong>' in summary  # 67 %
    assert summary.count("(n = 3)") == 2
    assert "Too few reviews to say much" in summary


def test_the_home_cards_show_the_same_numbers(client, massage, publish):
    publish(massage, rating=5, worth_it="worth_it")
    publish(massage, rating=3, worth_it="not_worth_it")
    html = page(client, "/")
    card = block(html, 'href="/procedures/facial-cryomassage/"', "</li>")
    assert '<strong data-stat="count">2</strong> published reviews' in card
    assert (
        '<strong data-stat="average">4.0</strong> of 5' in card and '<strong data-stat="worth-it">50 %</strong>' in card
    )
    other = block(html, 'href="/procedures/cryoelectrophoresis/"', "</li>")
    assert '<strong data-stat="count">0</strong> published reviews' in other and 'data-stat="average"' not in other


def test_the_summary_costs_a_constant_small_number_of_queries(client, massage, publish, django_assert_max_num_queries):
    url = "/procedures/facial-cryomassage/"
    client.cookies["sessionid"] = "not-a-session"  # not a visitor: a fresh render each time, never the page cache
    # The guide, its claims and conflicts, the stats, the reviews with what clinics add to each (attribution,
    # replies, the clinics offering it), related reading and comments: never more for 7 reviews than for 1.
    publish(massage)
    with django_assert_max_num_queries(15):
        page(client, url)
    for rating in (1, 2, 3, 5, 5, 4):
        publish(massage, rating=rating)
    with django_assert_max_num_queries(15):
        assert '<strong data-stat="count">7</strong>' in page(client, url)


def test_the_home_page_costs_the_same_queries_however_many_guides_have_reviews(
    client, massage, publish, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        page(client, "/")
    for slug in ("cryoelectrophoresis", "cryodestruction-of-benign-growths"):
        publish(Procedure.objects.get(slug=slug))
    publish(massage)
    with django_assert_max_num_queries(3):
        assert page(client, "/").count('<strong data-stat="count">1</strong>') == 3


@pytest.mark.django_db(transaction=True)
def test_a_visitors_cached_guide_shows_fresh_numbers_when_a_review_is_published(client, guides, member, moderator):
    from cryoview.moderation.enums import Decision
    from cryoview.moderation.services import review_decide
    from cryoview.reviews.tests.factories import pending_review

    massage = Procedure.objects.get(slug="facial-cryomassage")
    url = "/procedures/facial-cryomassage/"
    assert '<strong data-stat="count">0</strong>' in summary_of(page(client, url))  # stored for visitors
    review = pending_review(massage, member, rating=5)
    assert '<strong data-stat="count">0</strong>' in summary_of(page(client, url)), "pending reviews never count"
    review_decide(review=review, by=moderator, decision=Decision.APPROVE)
    # The numbers are recounted by a task after the decision (never inside the moderator's request); once the
    # worker has run it, the visitor's stored page is gone and the next one carries the new numbers.
    assert recount_queued() == 1
    assert '<strong data-stat="count">1</strong>' in summary_of(page(client, url))


@pytest.mark.parametrize("slug", GUIDES)
def test_evidence_is_folded_once_per_section_not_per_claim(client, guides, slug):
    html = page(client, f"/procedures/{slug}/")
    procedure = Procedure.objects.get(slug=slug)
    for claim in procedure.claims.all():
        assert f'id="claim-{claim.code}"' in html, claim.code
    claim_items = re.findall(r'<li class="claim[^"]*" id="claim-[^"]+">(.*?)</li>', html, re.S)
    assert claim_items and not any("<details" in item for item in claim_items)
    sections = html.count('class="guide-section"')
    conflicts = procedure.conflicts.count()
    folds = html.count('<details class="evidence"')
    # one per body section, one for the contraindications, one for the safety box, one per disagreement, sources
    assert folds <= sections + 2 + conflicts + 1
    assert folds < procedure.claims.count()


def test_every_contraindication_at_the_top_carries_its_source(client, massage):
    summary = block(summary_of(page(client, "/procedures/facial-cryomassage/")), 'id="not-for"', "</section>")
    items = re.findall(r'<li class="claim[^"]*" id="claim-(contraindication-[a-z-]+)">(.*?)</li>', summary, re.S)
    assert len(items) == massage.claims.filter(section="contraindication", condition__isnull=False).count() == 9
    for code, item in items:
        assert 'class="cite"' in item, code


def test_sources_disagree_only_on_the_condition_the_disagreement_is_about(client, massage):
    html = page(client, "/procedures/facial-cryomassage/")
    summary = summary_of(html)

    def item(code: str) -> str:
        return block(summary, f'id="claim-{code}"', "</li>")

    # The rosacea disagreement is about rosacea; "are there contraindications at all?" names cold sores as an
    # example but is not about them, so cold sores carry no badge.
    assert "sources disagree" in item("contraindication-rosacea")
    for code in ("contraindication-herpes", "contraindication-epilepsy", "contraindication-cold-allergy"):
        assert "sources disagree" not in item(code), code
    assert "sources disagree" in block(summary, 'id="claim-article-no-special-contraindications"', "</p>")


def test_an_empty_list_never_says_its_items_are_explained(client, guides):
    for slug in GUIDES:
        assert "explained" not in text_of(page(client, f"/procedures/{slug}/")).lower(), slug
    electro = text_of(summary_of(page(client, "/procedures/cryoelectrophoresis/")))
    assert "The sources list no contraindications for this procedure" in electro


def test_the_source_article_says_what_it_is_wherever_it_is_cited(client, massage):
    html = page(client, "/procedures/facial-cryomassage/")
    article = Source.objects.get(slug="seed-article")
    label = article.label_for("facial-cryomassage")
    assert label == f"{ARTICLE_TITLE} (an unsourced, translated beauty article)"
    number = re.search(r'<li id="source-(\d+)"[^>]*>\s*<cite>' + re.escape(label), html).group(1)
    citations = re.findall(rf'<a class="cite" href="#source-{number}"[^>]*>', html)
    assert citations and all(f'aria-label="Source {number}: {label}"' in c for c in citations)
    # its quotes, in the evidence, are signed the same way; its title never appears bare
    assert html.count(ARTICLE_TITLE) == html.count(label)


@pytest.mark.parametrize("slug", ["cryodestruction-of-benign-growths", "cryoelectrophoresis"])
def test_a_guide_the_article_is_not_about_does_not_cite_it_by_its_title(client, guides, slug):
    html = page(client, f"/procedures/{slug}/")
    assert ARTICLE_TITLE not in html
    assert "An unsourced, translated beauty article about facial cryomassage" in html
    api = client.get(f"/api/v1/procedures/{slug}").json()
    (article,) = [s for s in api["sources"] if s["slug"] == "seed-article"]
    assert ARTICLE_TITLE not in article["cited_as"] and "unsourced, translated beauty article" in article["cited_as"]
