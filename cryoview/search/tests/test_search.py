# ruff: noqa: RUF001 - Russian words are the point
"""One search over guides, reviews, transcript cues and comments, on whichever database the suite runs on."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cryoview.comments.selectors import Target
from cryoview.comments.tests.factories import approved
from cryoview.comments.tests.markup import live_markup
from cryoview.procedures.models import Condition
from cryoview.reviews.tests.factories import published_review
from cryoview.reviews.tests.test_pages import XSS
from cryoview.search.backends.base import Filters
from cryoview.search.enums import SearchSort
from cryoview.search.selectors import search_run, search_run_uncached
from cryoview.search.services import search_rebuild
from cryoview.search.tests.conftest import keys, video_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(massage, warts, cues, clean_private_store):
    """Reviews and comments whose words the relevance table below asks for."""
    found = {
        "chin": published_review(
            warts, title="Blister on my chin after wart removal", body="It healed in ten days.", rating=4
        ),
        "rosacea": published_review(
            massage, title="Calmer rosacea after five sessions", body="My cheeks flush less often now.", rating=5
        ),
        "frozen": published_review(
            warts, title="Gone in two visits", body="The wart was frozen twice and fell off.", rating=5
        ),
        "herpes": published_review(
            massage, title="A flare on my lip", body="My herpes came back two days after the session.", rating=2
        ),
        "russian": published_review(
            massage, title="Криомассаж лица", body="Процедура с жидким азотом, кожа посвежела.", rating=4
        ),
        "video": video_review(massage, cues, title="My honest cryomassage video", rating=4),
    }
    found["comment"] = approved(Target(procedure=massage), None, "Does the tingling stop after a minute or two?")
    search_rebuild()
    return found


# The relevance table: a query, and the item that must come first ("guide" is the massage guide).
RELEVANCE = [
    ("blister chin", "chin"),
    ("rosacea", "guide"),  # a contraindication of cryomassage: the guide says so first
    ("calmer rosacea", "rosacea"),
    ("couperose flush", "rosacea"),  # a synonym added to the condition in the test
    ("freezing twice", "frozen"),  # "freezing" finds "frozen"
    ("cold sores came back", "herpes"),  # a condition's synonym finds its name
    ("азотом", "russian"),  # "азотом" finds "азот"
    ("азот", "russian"),
    ("tingling stop", "comment"),
    ("gone visits", "frozen"),
    ("facial cryomassage liquid nitrogen", "guide"),
]


def test_the_relevance_table(corpus, massage):
    rosacea = Condition.objects.get(slug="rosacea")
    rosacea.synonyms = [*rosacea.synonyms, "couperose"]
    rosacea.save()
    wrong = {}
    for query, expected in RELEVANCE:
        results = search_run(query=query).results
        item = massage if expected == "guide" else corpus[expected]
        kind = expected if expected in {"guide", "comment"} else "review"
        top = (results[0].kind, results[0].url) if results else None
        if top != (kind, item.get_absolute_url()):
            wrong[query] = [(r.kind, r.title) for r in results[:3]]
    assert wrong == {}


def test_synonyms_widen_the_query(corpus):
    rosacea = Condition.objects.get(slug="rosacea")
    rosacea.synonyms = [*rosacea.synonyms, "couperose"]
    rosacea.save()
    assert "Calmer rosacea after five sessions" in {r.title for r in search_run(query="couperose").results}
    assert "A flare on my lip" in {r.title for r in search_run(query="cold sores").results}
    assert search_run(query="couperose").results[0].kind == "guide", "the guide lists rosacea: found through it"


def test_a_transcript_hit_names_the_moment_and_links_the_player_there(corpus):
    page = search_run(query="blister", filters=Filters(kind="transcript"))
    assert [r.start for r in page.results] == [42]
    hit = page.results[0]
    video = corpus["video"].video
    assert hit.url == f"/videos/{video.pk}/?t=42" and hit.moment == "0:42"
    assert "<mark>blister</mark>" in hit.snippet


def test_facets_count_by_kind_and_procedure(corpus, massage, warts):
    page = search_run(query="blister")
    kinds = {f.value: f.count for f in page.kinds}
    assert kinds["review"] == 1 and kinds["transcript"] == 1 and kinds["guide"] == 2
    procedures = {f.value: f.count for f in page.procedures}
    assert procedures == {massage.slug: 2, warts.slug: 2}
    assert page.total == sum(kinds.values())
    narrowed = search_run(query="blister", filters=Filters(kind="review"))
    assert narrowed.total == 1 and {f.value: f.count for f in narrowed.kinds} == kinds, "a facet ignores itself"


def test_filters_by_procedure_rating_and_video(corpus, massage, warts):
    assert {r.procedure_slug for r in search_run(query="blister", filters=Filters(procedure_id=warts.pk)).results} == {
        warts.slug
    }
    rated = search_run(query="session", filters=Filters(rating=2)).results
    assert [r.title for r in rated] == ["A flare on my lip"]
    with_video = search_run(query="cryomassage", filters=Filters(has_video=True)).results
    assert with_video and all(r.kind in {"review", "transcript"} for r in with_video)


@pytest.mark.parametrize("sort", list(SearchSort))
def test_keyset_pages_walk_every_result_once(corpus, massage, sort):
    for n in range(7):
        published_review(massage, title=f"Cold and quick, visit {n}", body="Cold air, then warmth.")
    search_rebuild()
    everything = search_run(query="cold", sort=sort, limit=100)
    seen, cursor = [], None
    for _ in range(20):
        page = search_run(query="cold", sort=sort, cursor=cursor, limit=3)
        seen.extend(r.id for r in page.results)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [r.id for r in everything.results] and len(seen) == len(set(seen)) >= 9
    if sort == SearchSort.NEWEST:
        times = [r.published_at for r in everything.results]
        assert times == sorted(times, reverse=True)


def test_did_you_mean_comes_from_the_indexed_words(corpus):
    page = search_run(query="blistr")
    assert page.results == [] and page.suggestion == "blister"
    assert search_run(query="qqqqzzzz").suggestion is None


def test_empty_and_stop_word_queries_answer_without_searching(corpus):
    for query in ("", "   ", "the of and"):
        page = search_run(query=query)
        assert page.results == [] and page.total == 0 and page.only_stop_words == bool(query.strip())


@pytest.mark.parametrize("payload", XSS)
def test_snippets_and_titles_of_hostile_text_are_inert(client, massage, payload):
    review = published_review(massage, title=f"blister {payload}"[:120], body=f"{payload} blister {payload}")
    approved(Target(review=review), None, f"{payload} blister", guest_name="Anna")
    search_rebuild()
    page = search_run(query="blister")
    assert len(page.results) >= 2
    for result in page.results:
        assert live_markup(str(result.snippet)) == [], result.snippet
        assert str(result.snippet).replace("<mark>", "").replace("</mark>", "").count("<") == 0
    html = client.get("/search/", {"q": "blister"}).text
    assert live_markup(html) == []


def _queries(query: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        search_run_uncached(query=query)
    return len(captured)


def test_the_same_question_again_is_answered_from_memory_until_the_index_changes(massage, clean_private_store):
    published_review(massage, title="One rare word: pumpernickel", body="Nothing else.")
    search_rebuild()
    first = search_run(query="pumpernickel")
    with CaptureQueriesContext(connection) as captured:
        again = search_run(query="pumpernickel")
    assert again.total == first.total == 1
    assert len(captured) <= 1, "at most the read of the index's generation"
    assert search_run(query="pumpernickel", sort=SearchSort.NEWEST).total == 1  # another question: asked anew
    published_review(massage, title="Pumpernickel twice", body="More.")
    search_rebuild()
    assert search_run(query="pumpernickel").total == 2


def test_a_search_costs_the_same_queries_for_one_hit_or_many(massage, cues, clean_private_store):
    published_review(massage, title="One rare word: pumpernickel", body="Nothing else.")
    search_rebuild()
    one = _queries("pumpernickel")
    for n in range(15):
        published_review(massage, title=f"Pumpernickel story {n}", body="Pumpernickel again.")
    approved(Target(procedure=massage), None, "pumpernickel in a comment")
    video_review(massage, [{"start": 1.0, "end": 2.0, "text": "pumpernickel"}])
    search_rebuild()
    assert _queries("pumpernickel") == one


def test_search_rebuild_is_idempotent_and_keeps_nothing_private(corpus, massage):
    before = keys()
    call_command("search_rebuild", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    call_command("search_rebuild", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    assert keys() == before
    assert {k.split(":")[0] for k in before} == {"guide", "review", "transcript", "comment"}


def test_a_common_word_ranks_and_counts_a_bounded_set_the_guides_always_in_it(massage, monkeypatch):
    from cryoview.search.backends import postgres, sqlite

    for module in (postgres, sqlite):
        monkeypatch.setattr(module, "MATCH_CAP", 3)
    monkeypatch.setattr("cryoview.search.selectors.MATCH_CAP", 3)
    made = [published_review(massage, title=f"Cryomassage story {n}", body="Cold and calm.") for n in range(6)]
    search_rebuild()
    page = search_run(query="cryomassage")
    kinds = {f.value: f.count for f in page.kinds}
    assert kinds["review"] == 3 and kinds["guide"] >= 1 and page.total_is_lower_bound
    assert "guide" in {r.kind for r in page.results}, "the guide is never crowded out by reviews"
    seen, cursor = [], None
    while True:  # newest first walks past the bound: the bound applies after the cursor
        newest = search_run(query="cryomassage", sort=SearchSort.NEWEST, cursor=cursor, limit=2)
        seen += [r.url for r in newest.results if r.kind == "review"]
        cursor = newest.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(r.get_absolute_url() for r in made)
