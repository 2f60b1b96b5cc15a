from __future__ import annotations

import re
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render

from cryoview.accounts.selectors import member_stand_in
from cryoview.core.errors import ApplicationError
from cryoview.core.pagecache import for_members, for_visitors
from cryoview.procedures.models import Procedure
from cryoview.search.backends.base import Filters
from cryoview.search.enums import DocumentKind, SearchSort
from cryoview.search.selectors import SEARCH_SCOPE, search_run
from cryoview.search.text import MAX_QUERY_CHARS

SLUG = re.compile(r"[-a-zA-Z0-9_]+")
EXAMPLES = ("blister", "cold sores", "rosacea", "liquid nitrogen", "how many sessions")


def _choice(value: str, choices: type[DocumentKind] | type[SearchSort]) -> str | None:
    return value if value in choices.values else None


def _filters(request: HttpRequest) -> tuple[Filters, Procedure | None]:
    """The page is forgiving: a filter it does not understand is left out rather than refused."""
    slug = request.GET.get("procedure", "")[:80]
    # Only a slug's characters reach the database (PostgreSQL refuses a NUL in a parameter: a 500).
    is_slug = SLUG.fullmatch(slug) is not None
    procedure = Procedure.objects.filter(slug=slug, is_published=True).first() if is_slug else None
    rating = request.GET.get("rating", "")
    video = request.GET.get("has_video", "")
    filters = Filters(
        kind=_choice(request.GET.get("kind", ""), DocumentKind),
        procedure_id=procedure.pk if procedure else None,
        rating=int(rating) if rating in {"1", "2", "3", "4", "5"} else None,
        has_video={"true": True, "false": False}.get(video),
    )
    return filters, procedure


def search_page(request: HttpRequest) -> HttpResponseBase:
    """The same page for every visitor, and for every plain member but their name: rendered once per generation
    of the index (every write to it bumps SEARCH_SCOPE)."""
    return for_visitors(
        request,
        SEARCH_SCOPE,
        lambda: for_members(request, SEARCH_SCOPE, lambda: _search_page(request), stand_in=member_stand_in),
    )


def _search_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:MAX_QUERY_CHARS]
    sort = SearchSort(_choice(request.GET.get("sort", ""), SearchSort) or SearchSort.RELEVANCE)
    filters, procedure = _filters(request)
    try:
        page = search_run(query=query, filters=filters, sort=sort, cursor=request.GET.get("cursor") or None)
    except ApplicationError:  # a cursor from elsewhere: start from the first page
        page = search_run(query=query, filters=filters, sort=sort)
    kept = {k: v for k, v in request.GET.items() if k not in {"cursor", "kind", "procedure"} and v}

    def link(**changes: str | None) -> str:
        params = {**kept, "kind": filters.kind, "procedure": procedure.slug if procedure else None, **changes}
        return "?" + urlencode({k: v for k, v in params.items() if v})

    context = {
        "page": page,
        "query": query,
        "sort": sort,
        "sorts": SearchSort,
        "filters": filters,
        "procedure": procedure,
        "examples": EXAMPLES,
        "kind_links": [(facet, link(kind=facet.value)) for facet in page.kinds],
        "procedure_links": [(facet, link(procedure=facet.value)) for facet in page.procedures],
        "clear_kind": link(kind=None) if filters.kind else None,
        "clear_procedure": link(procedure=None) if procedure else None,
        "next_link": link(cursor=page.next_cursor) if page.next_cursor else None,
        "suggestion_link": "?" + urlencode({"q": page.suggestion}) if page.suggestion else None,
    }
    return render(request, "search/search.html", context)
