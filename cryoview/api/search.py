"""Search over the API: the same selector as /search/, the answer kept per generation of the index."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from ninja import Query, Router, Schema

from cryoview.core.errors import NotFoundError
from cryoview.core.pagecache import for_visitors
from cryoview.procedures.selectors import procedure_get_for_page
from cryoview.search.backends.base import Filters
from cryoview.search.enums import DocumentKind, SearchSort
from cryoview.search.selectors import SEARCH_SCOPE, Facet, Result, kept_until_the_index_changes, search_run_uncached
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


# Plain dicts, checked once by SearchOut.model_validate (schema objects built here were checked twice).
def _hit(result: Result) -> dict[str, Any]:
    return {
        "kind": result.kind,
        "title": result.title,
        "snippet_html": str(result.snippet),
        "url": result.url,
        "procedure": {"slug": result.procedure_slug, "name": result.procedure_name},
        "start_seconds": result.start,
        "published_at": result.published_at,
    }


def _facets(facets: list[Facet]) -> list[dict[str, Any]]:
    return [{"value": f.value, "label": f.label, "count": f.count} for f in facets]


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
) -> HttpResponseBase:
    def body() -> bytes:
        guide = procedure_get_for_page(slug=procedure) if procedure else None
        if procedure and guide is None:
            raise NotFoundError(f"No published guide with the slug {procedure[:80]!r}.")
        filters = Filters(
            kind=kind.value if kind else None,
            procedure_id=guide.pk if guide else None,
            rating=rating,
            has_video=has_video,
        )
        page = search_run_uncached(query=q[:MAX_QUERY_CHARS], filters=filters, sort=sort, cursor=cursor, limit=limit)
        message = None
        if page.plan.is_empty:
            message = STOP_WORDS_MESSAGE if page.only_stop_words else EMPTY_MESSAGE
        out = {
            "query": page.query,
            "total": page.total,
            "items": [_hit(r) for r in page.results],
            "next_cursor": page.next_cursor,
            "facets": {"kind": _facets(page.kinds), "procedure": _facets(page.procedures)},
            "suggestion": page.suggestion,
            "message": message,
        }
        return SearchOut.model_validate(out).model_dump_json().encode()

    # The same answer for everyone who asks the same: serialised once per change of the index, members too.
    asked = json.dumps(["api", q, kind, procedure, rating, has_video, sort, cursor, limit])
    return for_visitors(
        request,
        SEARCH_SCOPE,
        lambda: HttpResponse(kept_until_the_index_changes(asked, body), content_type="application/json"),
    )
