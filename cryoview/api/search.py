"""Search over the API: the same selector as /search/ (cryoview.search.selectors.search_run)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema

from cryoview.core.errors import NotFoundError
from cryoview.procedures.selectors import procedure_get_for_page
from cryoview.search.backends.base import Filters
from cryoview.search.enums import DocumentKind, SearchSort
from cryoview.search.selectors import Facet, Result, search_run
from cryoview.search.text import MAX_QUERY_CHARS

router = Router(tags=["search"])

EMPTY_MESSAGE = "Type a word to search for: guides, reviews, comments and what people say in their videos."
STOP_WORDS_MESSAGE = "These words are too common to search for on their own; add a word that says what you need."


class ProcedureRefOut(Schema):
    slug: str
    name: str


class SearchHitOut(Schema):
    kind: DocumentKind
    title: str
    snippet_html: str  # the text escaped, matched words in <mark>
    url: str  # a transcript hit's url starts the video at `start_seconds` (?t=)
    procedure: ProcedureRefOut
    start_seconds: int | None
    published_at: dt.datetime


class FacetOut(Schema):
    value: str
    label: str
    count: int


class FacetsOut(Schema):
    kind: list[FacetOut]
    procedure: list[FacetOut]


class SearchOut(Schema):
    query: str
    total: int
    items: list[SearchHitOut]
    next_cursor: str | None
    facets: FacetsOut
    suggestion: str | None
    message: str | None


def _hit(result: Result) -> SearchHitOut:
    return SearchHitOut(
        kind=DocumentKind(result.kind),
        title=result.title,
        snippet_html=str(result.snippet),
        url=result.url,
        procedure=ProcedureRefOut(slug=result.procedure_slug, name=result.procedure_name),
        start_seconds=result.start,
        published_at=result.published_at,
    )


def _facets(facets: list[Facet]) -> list[FacetOut]:
    return [FacetOut(value=f.value, label=f.label, count=f.count) for f in facets]


@router.get("/search", response=SearchOut, summary="Search everything public; transcript hits carry their moment")
def search(
    request: HttpRequest,
    q: str = Query("", max_length=1000),  # type: ignore[type-arg]
    kind: DocumentKind | None = None,
    procedure: str | None = Query(None, max_length=80),  # type: ignore[type-arg]
    rating: int | None = Query(None, ge=1, le=5),  # type: ignore[type-arg]
    has_video: bool | None = None,
    sort: SearchSort = SearchSort.RELEVANCE,
    cursor: str | None = Query(None, max_length=200),  # type: ignore[type-arg]
    limit: int = Query(20, ge=1, le=50),  # type: ignore[type-arg]
) -> SearchOut:
    guide = procedure_get_for_page(slug=procedure) if procedure else None
    if procedure and guide is None:
        raise NotFoundError(f"No published guide with the slug {procedure[:80]!r}.")
    filters = Filters(
        kind=kind.value if kind else None,
        procedure_id=guide.pk if guide else None,
        rating=rating,
        has_video=has_video,
    )
    page = search_run(query=q[:MAX_QUERY_CHARS], filters=filters, sort=sort, cursor=cursor, limit=limit)
    message = None
    if page.plan.is_empty:
        message = STOP_WORDS_MESSAGE if page.only_stop_words else EMPTY_MESSAGE
    return SearchOut(
        query=page.query,
        total=page.total,
        items=[_hit(r) for r in page.results],
        next_cursor=page.next_cursor,
        facets=FacetsOut(kind=_facets(page.kinds), procedure=_facets(page.procedures)),
        suggestion=page.suggestion,
        message=message,
    )
