# ruff: noqa: RUF001 - the pages use real en dashes, as in "5 to 7 minutes" written with one
from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import clear_caches
from cryoview.procedures.models import Claim, ClaimSource, Procedure, Source


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_home_lists_every_guide(client, guides):
    html = page(client, "/")
    for procedure in Procedure.objects.all():
        assert procedure.get_absolute_url() in html
        assert procedure.name in html


def test_home_without_guides_says_so(client, db):
    assert "No guides have been published yet" in page(client, "/")


def test_guide_page_reads_like_a_health_article(client, guides):
    html = page(client, "/procedures/facial-cryomassage/")
    text = text_of(html)
    assert "<main" in html and 'role="banner"' in html and 'role="contentinfo"' in html
    assert html.count("<h1") == 1
    for words in (
        "Do not have it if you have",
        "Safety box",
        "Where sources disagree",
        "Who may perform it",
        "Sources",
        "Medical disclaimer",
        "No video reviews yet",
        "5–7 minutes",
        "15–20 sessions",
        "Last reviewed",
    ):
        assert words in text, words
    for condition in ("herpes", "epilepsy", "rosacea", "migraine"):
        assert condition in text.lower()


def test_every_claim_on_the_page_shows_its_sources(client, guides):
    html = page(client, "/procedures/facial-cryomassage/")
    procedure = Procedure.objects.get(slug="facial-cryomassage")
    for claim in procedure.claims.all():
        block = html.split(f'id="claim-{claim.code}"', 1)[1].split("</li>", 1)[0]
        assert 'class="cite"' in block, claim.code
    for source in Source.objects.filter(citations__claim__procedure=procedure).distinct():
        assert source.title in html


def test_the_word_safe_is_never_an_absolute(client, guides):
    for procedure in Procedure.objects.all():
        text = text_of(page(client, procedure.get_absolute_url())).lower()
        assert not re.search(r"\b(is|are|completely|totally|100%) safe\b", text)
        assert "guaranteed" not in text


def test_unknown_guide_is_a_404(client, guides):
    assert client.get("/procedures/no-such-thing/").status_code == 404


def test_unpublished_guide_is_a_404(client, guides):
    Procedure.objects.filter(slug="cryoelectrophoresis").update(is_published=False)
    assert client.get("/procedures/cryoelectrophoresis/").status_code == 404


def add_claims(procedure: Procedure, count: int) -> None:
    source = Source.objects.create(slug="extra", title="Extra source", kind="reference")
    start = procedure.claims.count()
    for index in range(count):
        claim = Claim.objects.create(
            procedure=procedure,
            section="effect",
            code=f"extra-{index}",
            text=f"Extra claim {index}",
            evidence="test",
            position=start + index,
        )
        ClaimSource.objects.create(claim=claim, source=source)


def count_queries(client, url: str) -> int:
    clear_caches()  # measure a full render, not the cached guide body
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/procedures/facial-cryomassage/", "/api/v1/procedures/facial-cryomassage"])
def test_query_count_does_not_grow_with_the_number_of_claims(client, guides, url):
    few = count_queries(client, url)
    add_claims(Procedure.objects.get(slug="facial-cryomassage"), 40)
    assert count_queries(client, url) == few
    # The guide itself (8) + "It is also interesting to read" (1 query however long its list: cryoview/related)
    # + the comments (1 with none; 2 with any, however many: cryoview/comments)
    # + the review numbers at the top (1: the stored aggregates, cryoview/reviews).
    assert few <= 8 + 1 + 1 + 1


@pytest.mark.parametrize("url", ["/", "/api/v1/procedures", "/api/v1/conditions"])
def test_list_query_count_does_not_grow_with_the_number_of_guides(client, guides, url):
    few = count_queries(client, url)
    for index in range(5):
        Procedure.objects.create(
            slug=f"extra-{index}",
            name=f"Extra {index}",
            kind="cosmetic",
            summary="s",
            practitioner="cosmetologist",
            disclaimer="d",
            reviewed_by="t",
            reviewed_on="2026-11-24",
        )
    assert count_queries(client, url) == few


def test_the_guide_body_is_cached_per_revision(client, guides):
    from cryoview.procedures.enums import RevisionOrigin
    from cryoview.procedures.services import procedure_record_revision

    url = "/procedures/facial-cryomassage/"
    first = count_queries(client, url)
    with CaptureQueriesContext(connection) as cached:
        assert client.get(url).status_code == 200
    assert len(cached) < first
    procedure = Procedure.objects.get(slug="facial-cryomassage")
    procedure.claims.filter(code="eyes-closed").update(text="Keep both eyes shut while the area is treated.")
    assert "Keep both eyes shut" not in client.get(url).content.decode(), "no revision yet, so the cache stands"
    procedure_record_revision(procedure=procedure, origin=RevisionOrigin.ADMIN)
    assert "Keep both eyes shut" in client.get(url).content.decode()
