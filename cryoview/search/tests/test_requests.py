"""/search/ and GET /api/v1/search as requests: what one costs in queries (one hit or many), hostile text in
snippets and titles through both (the XSS corpus of the review pages, in reviews, comments and transcript cues),
and any query of any Unicode, length and punctuation (hypothesis) answering without a 500."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cryoview.comments.selectors import Target
from cryoview.comments.tests.factories import approved
from cryoview.comments.tests.markup import live_markup
from cryoview.reviews.tests.factories import published_review
from cryoview.reviews.tests.test_pages import XSS
from cryoview.search.services import search_rebuild
from cryoview.search.tests.conftest import video_review
from tests.hostile import HOSTILE_TEXT, quoted

pytestmark = pytest.mark.django_db
URLS = ("/search/?q=", "/api/v1/search?q=")


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(captured)


def test_the_page_and_the_api_cost_the_same_queries_for_one_hit_or_many(client, massage, warts, clean_private_store):
    published_review(massage, title="One rare word: pumpernickel", body="Nothing else.")
    search_rebuild()
    one = {url: _queries(client, url + "pumpernickel") for url in URLS}
    for n in range(25):  # more than a page, on two guides, of every kind
        published_review(warts if n % 2 else massage, title=f"Pumpernickel story {n}", body="Pumpernickel again.")
    approved(Target(procedure=massage), None, "pumpernickel in a comment")
    video_review(massage, [{"start": float(n), "end": n + 1.0, "text": "pumpernickel"} for n in range(5)])
    search_rebuild()
    many = {url: _queries(client, url + "pumpernickel") for url in URLS}
    assert many == one
    page = client.get("/api/v1/search?q=pumpernickel").json()
    assert len(page["items"]) == 20 and page["next_cursor"], "the many-hit case really has many"


@pytest.mark.parametrize("payload", XSS)
def test_hostile_text_is_inert_in_the_page_and_the_api(client, massage, payload, clean_private_store):
    review = published_review(massage, title=f"blister {payload}"[:120], body=f"{payload} blister {payload}")
    approved(Target(review=review), None, f"{payload} blister", guest_name="Anna")
    video_review(massage, [{"start": 3.0, "end": 6.0, "text": f"{payload} a blister {payload}"}], title=payload[:120])
    search_rebuild()
    assert live_markup(client.get("/search/", {"q": "blister"}).text) == []
    data = client.get("/api/v1/search", {"q": "blister"}).json()
    assert {item["kind"] for item in data["items"]} >= {"review", "comment", "transcript"}
    for item in data["items"]:
        snippet = item["snippet_html"]
        assert live_markup(snippet) == [], snippet
        assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0, snippet
        assert "<mark>" in snippet.lower() or item["kind"] == "guide"


queries = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.text(max_size=60),  # any code point, lone surrogates included
    st.text(alphabet=st.characters(categories=["P", "S", "Zs"]), max_size=40),  # punctuation and symbols only
    st.builds(lambda word, n: word * n, st.text(min_size=1, max_size=8), st.integers(1, 800)),  # long
)


def test_any_query_answers_without_a_500(client, massage, clean_private_store):
    published_review(massage, title="A blister on my chin", body="It healed in ten days.")
    search_rebuild()

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))  # type: ignore[untyped-decorator]
    @given(query=queries)  # type: ignore[untyped-decorator]
    def run(query: str) -> None:
        for url in URLS:
            response = client.get(url + quoted(query))
            assert response.status_code in {200, 422}, (url, query, response.status_code)

    run()
