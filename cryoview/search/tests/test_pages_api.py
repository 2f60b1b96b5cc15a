"""/search/ and GET /api/v1/search: the same results, facets and cursors; any query answers, none is a 500."""

from __future__ import annotations

import base64

import pytest

from cryoview.comments.selectors import Target
from cryoview.comments.tests.factories import approved
from cryoview.reviews.tests.factories import published_review
from cryoview.search.services import search_rebuild
from cryoview.search.tests.conftest import video_review

pytestmark = pytest.mark.django_db

HOSTILE_QUERIES = [
    '"',
    '""""',
    "NEAR(blister cold, 2)",
    "blister OR",
    "AND AND",
    "-blister",
    "blister*",
    "^blister",
    "title:blister",
    "(blister",
    "blister)",
    "' OR 1=1 --",
    "%",
    "%%s",
    "\\",
    "a\x00b blister",
    "😀 blister 😀",
    "ﬁ ² ٣ \uff15",
    "blister " * 500,
    "a" * 5000,
    "азотом & | ! :*",
    "<script>alert(1)</script>",
    "\u202eblister",
]


@pytest.fixture
def indexed(massage, warts, cues, clean_private_store):
    review = video_review(massage, cues, title="My honest cryomassage video")
    published_review(warts, title="A blister on my finger", body="It healed in a week.", rating=3)
    approved(Target(procedure=massage), None, "Is a blister normal after it?")
    search_rebuild()
    return review


def test_the_page_lists_hits_with_marked_snippets_and_the_moment_of_a_transcript_hit(client, indexed):
    html = client.get("/search/", {"q": "blister"}).text
    video = indexed.video
    assert f'href="/videos/{video.pk}/?t=42"' in html
    assert "<mark>blister</mark>" in html and "Watch from 0:42" in html
    assert "Said in a video" in html and "Facial cryomassage with liquid nitrogen" in html


def test_the_page_helps_when_there_is_nothing_to_search(client, db):
    for query in ("", "the and", "?!"):
        response = client.get("/search/", {"q": query})
        assert response.status_code == 200
        assert "Try:" in response.text


def test_the_page_offers_did_you_mean(client, indexed):
    html = client.get("/search/", {"q": "blistr"}).text
    assert "Did you mean" in html and 'href="?q=blister"' in html


def test_the_page_narrows_by_procedure_from_the_review_list_box(client, indexed, warts):
    html = client.get("/search/", {"q": "blister", "procedure": warts.slug, "kind": "review"}).text
    assert "A blister on my finger" in html and "My honest cryomassage video" not in html


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_no_query_is_an_error(client, indexed, query):
    assert client.get("/search/", {"q": query}).status_code == 200
    response = client.get("/api/v1/search", {"q": query[:1000]})
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("raw", ["%ED%A0%80blister", "%FF%FEblister", "%00", "%C0%AF", "q"])
def test_no_undecodable_query_is_an_error(client, indexed, raw):
    assert client.get(f"/search/?q={raw}").status_code == 200
    assert client.get(f"/api/v1/search?q={raw}").status_code in {200, 422}


def test_the_api_returns_kind_title_snippet_procedure_and_moment(client, indexed, massage):
    data = client.get("/api/v1/search", {"q": "blister", "kind": "transcript"}).json()
    assert data["total"] == 1
    item = data["items"][0]
    assert item["kind"] == "transcript" and item["start_seconds"] == 42
    assert item["url"] == f"/videos/{indexed.video.pk}/?t=42"
    assert "<mark>blister</mark>" in item["snippet_html"]
    assert item["procedure"] == {"slug": massage.slug, "name": massage.name}
    kinds = {f["value"]: f["count"] for f in data["facets"]["kind"]}
    assert kinds == {"guide": 2, "review": 1, "transcript": 1, "comment": 1}


def test_the_api_pages_with_its_cursor(client, indexed):
    first = client.get("/api/v1/search", {"q": "blister", "limit": 2}).json()
    second = client.get("/api/v1/search", {"q": "blister", "limit": 2, "cursor": first["next_cursor"]}).json()
    assert first["next_cursor"] and len(first["items"]) == 2 and len(second["items"]) == 2
    assert not {i["url"] for i in first["items"]} & {i["url"] for i in second["items"]}


def test_the_api_names_what_it_refuses(client, indexed):
    assert client.get("/api/v1/search", {"q": "blister", "cursor": "not-a-cursor"}).status_code == 422
    for forged in ('["relevance", 1.0, 99999999999999999999999]', '["relevance", NaN, 1]', '["newest", "2026", 1]'):
        cursor = base64.urlsafe_b64encode(forged.encode()).decode()
        assert client.get("/api/v1/search", {"q": "blister", "cursor": cursor}).status_code == 422, forged
        assert client.get("/search/", {"q": "blister", "cursor": cursor}).status_code == 200
    assert client.get("/api/v1/search", {"q": "blister", "kind": "email"}).status_code == 422
    assert client.get("/api/v1/search", {"q": "blister", "rating": "6"}).status_code == 422
    assert client.get("/api/v1/search", {"q": "blister", "procedure": "no-such-guide"}).status_code == 404
    empty = client.get("/api/v1/search", {"q": "the"}).json()
    assert empty["items"] == [] and "too common" in empty["message"]


def test_the_home_page_every_guide_and_the_review_list_have_a_search_box(client, guides, massage):
    for url in ("/", massage.get_absolute_url()):
        assert 'role="search" method="get" action="/search/"' in client.get(url).text, url
    listing = client.get(f"/procedures/{massage.slug}/reviews/").text
    assert 'name="procedure" value="facial-cryomassage"' in listing and 'name="kind" value="review"' in listing


def test_a_visitors_kept_results_page_goes_when_the_review_is_hidden(client, indexed, warts):
    from cryoview.reviews.models import Review
    from cryoview.reviews.services import review_hide

    blister = Review.objects.get(title="A blister on my finger")
    assert "A blister on my finger" in client.get("/search/", {"q": "blister"}).text
    assert "A blister on my finger" in client.get("/search/", {"q": "blister"}).text  # the kept page
    review_hide(review=blister)
    html = client.get("/search/", {"q": "blister"}).text
    assert "A blister on my finger" not in html
    assert "Comment on Facial cryomassage" in html  # the comment under the guide is still found


def test_the_apis_kept_answer_goes_when_the_review_is_hidden(client, member, indexed, warts):
    from cryoview.reviews.models import Review
    from cryoview.reviews.services import review_hide

    def titles() -> set[str]:
        return {item["title"] for item in client.get("/api/v1/search", {"q": "blister"}).json()["items"]}

    assert "A blister on my finger" in titles()
    assert "A blister on my finger" in titles()  # kept
    client.force_login(member)
    assert "A blister on my finger" in titles()  # the same answer for a member
    review_hide(review=Review.objects.get(title="A blister on my finger"))
    assert "A blister on my finger" not in titles()
    client.logout()
    assert "A blister on my finger" not in titles()
