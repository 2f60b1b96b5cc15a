"""Reads of the index: one search (results, facets, next page, did-you-mean), the same for the page and the API.

Cost is fixed whatever the query: the conditions (for synonyms), one page of matches, its rows, its snippets
(PostgreSQL: one ts_headline query over the page only), two facet counts and the facets' guide names; a query
with no result adds the vocabulary look-ups of at most SUGGEST_WORDS words and one count.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from django.core.cache.backends.locmem import LocMemCache
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from cryoview.core.pagecache import PAGE_SECONDS, generation
from cryoview.core.parsing import BIGINT_MAX, invalid, parse_datetime
from cryoview.procedures.models import Condition, Procedure
from cryoview.search.backends import backend
from cryoview.search.backends.base import MATCH_CAP, After, Filters
from cryoview.search.enums import DocumentKind, SearchSort
from cryoview.search.models import SearchDocument, SearchTerm
from cryoview.search.query import ConditionNames, Plan, condition_names, plan_query
from cryoview.search.text import MARK_END, MARK_START

PAGE_SIZE = 20
SUGGEST_WORDS = 4
# Every write to the index bumps this scope's generation (services._index_changed): a kept page of results is
# never shown after a change of what the index holds (a review hidden, an account deleted).
SEARCH_SCOPE = "search"
# This process's pages of results, per generation of the index (a few hundred queries at most).
_kept = LocMemCache("cryoview-search-results", {"TIMEOUT": PAGE_SECONDS, "OPTIONS": {"MAX_ENTRIES": 500}})


@dataclass(frozen=True)
class Facet:
    value: str
    label: str
    count: int


@dataclass(frozen=True)
class Result:
    id: int
    kind: str
    kind_label: str
    title: str
    snippet: SafeString
    url: str
    procedure_slug: str
    procedure_name: str
    start: int | None
    published_at: datetime

    @property
    def moment(self) -> str:
        """A transcript hit's time as people write it: 1:05."""
        return f"{self.start // 60}:{self.start % 60:02d}" if self.start is not None else ""


@dataclass
class SearchPage:
    query: str
    plan: Plan
    results: list[Result] = field(default_factory=list)
    next_cursor: str | None = None
    total: int = 0
    kinds: list[Facet] = field(default_factory=list)
    procedures: list[Facet] = field(default_factory=list)
    suggestion: str | None = None

    @property
    def total_is_lower_bound(self) -> bool:
        """Matches are counted up to backends.base.MATCH_CAP (and the guides): there may be more."""
        return self.total >= MATCH_CAP

    @property
    def only_stop_words(self) -> bool:
        """Something was typed, but nothing in it can be searched for ("the", "и", "?!")."""
        return bool(self.query.strip()) and self.plan.is_empty


def highlighted(marked: str) -> SafeString:
    """The snippet as HTML: everything escaped, then the marked words wrapped in <mark>."""
    if marked.count(MARK_START) != marked.count(MARK_END):
        marked = marked.replace(MARK_START, "").replace(MARK_END, "")
    text = str(escape(marked))
    return mark_safe(text.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))  # noqa: S308 - escaped above


def _encode_cursor(sort: SearchSort, value: float | datetime, pk: int) -> str:
    raw = value.isoformat() if isinstance(value, datetime) else value
    return base64.urlsafe_b64encode(json.dumps([sort.value, raw, pk]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: SearchSort) -> After:
    """The cursor a page gave out; anything else is a 422 naming `cursor`."""
    problem = invalid("cursor", "is not one this search gave out", code="invalid_cursor")
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise problem from None
    if not (isinstance(data, list) and len(data) == 3 and data[0] == sort.value and type(data[2]) is int):
        raise problem
    if not 0 < data[2] <= BIGINT_MAX:  # SQLite cannot even compare a larger number
        raise problem
    if sort == SearchSort.NEWEST:
        if not isinstance(data[1], str):
            raise problem
        return After(value=parse_datetime(data[1].replace("+00:00", "Z"), field="cursor"), id=data[2])
    if type(data[1]) not in (int, float) or data[1] != data[1] or abs(data[1]) > 1e30:
        raise problem
    return After(value=float(data[1]), id=data[2])


@lru_cache(maxsize=4)
def _conditions(rows: tuple[tuple[str, str, tuple[str, ...]], ...]) -> list[ConditionNames]:
    """The conditions' names as the query planner matches them: worked out once for the same rows."""
    return [condition_names(name, slug, list(synonyms)) for name, slug, synonyms in rows]


def _plan(query: str) -> Plan:
    rows = Condition.objects.values_list("name", "slug", "synonyms")
    return plan_query(query, conditions=_conditions(tuple((n, s, tuple(syn)) for n, s, syn in rows)))


def _url(document: SearchDocument, procedure: Procedure) -> str:
    if document.kind == DocumentKind.GUIDE:
        return procedure.get_absolute_url()
    if document.kind == DocumentKind.TRANSCRIPT:
        return reverse("videos:player", kwargs={"video_id": document.video_id}) + f"?t={int(document.start or 0)}"
    if document.review_id is not None:
        url = reverse("reviews:detail", kwargs={"review_id": document.review_id})
    else:
        url = procedure.get_absolute_url()
    return url + (f"#comment-{document.comment_id}" if document.kind == DocumentKind.COMMENT else "")


def _results(plan: Plan, ids: list[int]) -> list[Result]:
    documents = SearchDocument.objects.filter(pk__in=ids).select_related("procedure").defer("procedure__summary")
    by_id = {d.pk: d for d in documents}
    ordered = [by_id[pk] for pk in ids if pk in by_id]
    snippets = backend().snippets(plan, ordered)
    return [
        Result(
            id=d.pk,
            kind=d.kind,
            kind_label=DocumentKind(d.kind).label,
            title=d.title or f"Comment on {'a review of ' if d.review_id else ''}{d.procedure.name}",
            snippet=highlighted(snippets.get(d.pk, "")),
            url=_url(d, d.procedure),
            procedure_slug=d.procedure.slug,
            procedure_name=d.procedure.name,
            start=int(d.start) if d.start is not None else None,
            published_at=d.published_at,
        )
        for d in ordered
    ]


def _facets(plan: Plan, filters: Filters) -> tuple[list[Facet], list[Facet], int]:
    engine = backend()
    kinds: Counter[str] = Counter()
    procedures: Counter[int] = Counter()
    if filters.kind is None and filters.procedure_id is None:
        # Neither facet is narrowed: both counts come from one pass over the matches.
        for (kind, procedure_id), count in engine.counts(plan, filters, ("kind", "procedure_id")).items():
            kinds[kind] += count
            procedures[procedure_id] += count
    else:
        # A facet counts as if its own filter were not set: one pass each.
        kinds.update({key[0]: n for key, n in engine.counts(plan, filters.without("kind"), ("kind",)).items()})
        by_guide = engine.counts(plan, filters.without("procedure_id"), ("procedure_id",))
        procedures.update({key[0]: n for key, n in by_guide.items()})
    guides = {
        pk: (slug, name)
        for pk, slug, name in Procedure.objects.filter(pk__in=list(procedures)).values_list("pk", "slug", "name")
    }
    kind_facets = [Facet(k.value, k.label, kinds[k.value]) for k in DocumentKind if kinds.get(k.value)]
    procedure_facets = [
        Facet(guides[pk][0], guides[pk][1], count)
        for pk, count in sorted(procedures.items(), key=lambda item: (-item[1], item[0]))
        if pk in guides
    ]
    total = kinds.get(filters.kind, 0) if filters.kind else sum(kinds.values())
    return kind_facets, procedure_facets, total


def _suggestion(plan: Plan, filters: Filters) -> str | None:
    """The query with its unknown words replaced by the closest indexed ones, if that finds something."""
    known = set(SearchTerm.objects.filter(word__in=plan.words).values_list("word", flat=True))
    unknown = [w for w in plan.words if w not in known][:SUGGEST_WORDS]
    if not unknown:
        return None
    replaced = {}
    for word in unknown:
        similar = backend().similar_words(word, 1)
        if similar:
            replaced[word] = similar[0]
    if not replaced:
        return None
    suggestion = " ".join(replaced.get(w, w) for w in plan.words)
    found = backend().match(_plan(suggestion), filters, SearchSort.RELEVANCE, None, 1)
    return suggestion if found else None


def kept_until_the_index_changes[T](asked: str, build: Callable[[], T]) -> T:
    """`build()` once per generation of the index in this process, for the question `asked` (any text that says
    everything the answer depends on). Costs one read of the generation when kept. Nothing is kept when
    `build()` raises (a cursor from elsewhere, an unknown guide)."""
    current = generation(SEARCH_SCOPE)
    key = hashlib.sha256(asked.encode()).hexdigest()
    stored = _kept.get(key)
    if stored is not None and stored[0] == current and stored[1] == asked:
        value: T = stored[2]
        return value
    value = build()
    _kept.set(key, (current, asked, value), timeout=PAGE_SECONDS)
    return value


def search_run(
    *,
    query: str,
    filters: Filters | None = None,
    sort: SearchSort = SearchSort.RELEVANCE,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> SearchPage:
    """One page of results for `query` (nothing when it has no searchable word), with facets and the next
    cursor; a did-you-mean suggestion when nothing matched. The same question asked again before the index
    changes is answered from this process's memory; a cursor that is not one this search gave out is a 422
    naming `cursor` either way."""
    filters = filters or Filters()
    asked = json.dumps(["search_run", query, repr(filters), sort.value, cursor, limit])
    return kept_until_the_index_changes(
        asked,
        lambda: search_run_uncached(query=query, filters=filters, sort=sort, cursor=cursor, limit=limit),
    )


def search_run_uncached(
    *,
    query: str,
    filters: Filters | None = None,
    sort: SearchSort = SearchSort.RELEVANCE,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> SearchPage:
    """`search_run` without the kept pages: what the index answers now (bench/search.py measures both)."""
    filters = filters or Filters()
    after = decode_cursor(cursor, sort) if cursor else None
    plan = _plan(query)
    page = SearchPage(query=query, plan=plan)
    if plan.is_empty:
        return page
    hits = backend().match(plan, filters, sort, after, limit + 1)
    page.results = _results(plan, [hit.id for hit in hits[:limit]])
    if len(hits) > limit:
        last = hits[limit - 1]
        page.next_cursor = _encode_cursor(sort, last.published_at if sort == SearchSort.NEWEST else last.score, last.id)
    page.kinds, page.procedures, page.total = _facets(plan, filters)
    if page.total == 0 and after is None:
        page.suggestion = _suggestion(plan, filters)
    return page
