# ruff: noqa: RUF001 - the typographic apostrophe is meant
"""SQLite: an FTS5 table of stemmed text beside the document table, ranked by bm25() with column weights.

FTS5 has no Russian stemmer and its porter tokenizer would stem differently from the query side, so the text is
stemmed here (text.stemmed, snowball) before it is stored, and each query word is stemmed the same way. Every
token of the MATCH expression is a quoted string (a `"` doubled), so no query can be read as FTS5 syntax. The
FTS5 row's rowid is the document's id; a trigger deletes it with the document (migration 0002). Snippets are
cut in Python from the original text, marking the words whose stems matched.
"""

from __future__ import annotations

import difflib
import re
from datetime import UTC, datetime
from typing import Any

from django.db import connection

from cryoview.search.backends.base import (
    FACET_COLUMNS,
    MATCH_CAP,
    TABLE,
    After,
    Filters,
    Hit,
    candidate_order,
    fetch,
    filter_sql,
    order_sql,
)
from cryoview.search.enums import SearchSort
from cryoview.search.models import SearchDocument
from cryoview.search.query import Plan
from cryoview.search.text import MARK_END, MARK_START, normalise, stem, stemmed

FTS = "search_fts"
# bm25 weights of the FTS5 columns, in their order: title (A), summary (B), body (C), transcript (D).
WEIGHTS = "10.0, 4.0, 2.0, 1.0"
SNIPPET_BEFORE, SNIPPET_AFTER = 8, 24  # words around the first match
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def _quoted(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def match_expression(plan: Plan) -> str:
    """The FTS5 query of a plan: (("a" OR "a2") AND ("b")) OR (...), every token quoted."""
    alternatives = []
    for alternative in plan.alternatives:
        groups = []
        for group in alternative:
            stems = dict.fromkeys(stem(word) for word in group)
            groups.append("(" + " OR ".join(_quoted(s) for s in stems) + ")")
        alternatives.append("(" + " AND ".join(groups) + ")")
    return " OR ".join(alternatives)


def marked_snippet(text: str, stems: set[str]) -> str:
    """A passage of `text` around its first matching word, matched words between the marks."""
    tokens = list(_TOKEN.finditer(text))
    hits = [i for i, token in enumerate(tokens) if stem(normalise(token.group())) in stems]
    if not tokens:
        return text[:200]
    first = hits[0] if hits else 0
    low, high = max(0, first - SNIPPET_BEFORE), min(len(tokens) - 1, first + SNIPPET_AFTER)
    wanted = set(hits)
    out, position = [], tokens[low].start()
    for i in range(low, high + 1):
        token = tokens[i]
        out.append(text[position : token.start()])
        out.append(f"{MARK_START}{token.group()}{MARK_END}" if i in wanted else token.group())
        position = token.end()
    prefix = "… " if low > 0 else ""
    if high == len(tokens) - 1:
        return prefix + "".join(out) + text[position:]  # the end of the text, with its last full stop
    return prefix + "".join(out) + " …"


def _datetime(value: str | datetime) -> datetime:
    """A raw column comes back naive (or as text): Django stores UTC on SQLite."""
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class SqliteBackend:
    def stored(self, documents: list[SearchDocument]) -> None:
        rows = [(d.pk, stemmed(d.title), stemmed(d.summary), stemmed(d.body), stemmed(d.transcript)) for d in documents]
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {FTS} (rowid, title, summary, body, transcript) VALUES (%s, %s, %s, %s, %s)",  # noqa: S608
                rows,
            )

    def cleared(self) -> None:
        fetch(f"DELETE FROM {FTS}", [])  # noqa: S608 - constant names

    def _candidates(
        self, plan: Plan, filters: Filters, sort: SearchSort, after: After | None, *, score: bool
    ) -> tuple[str, list[Any]]:
        """At most MATCH_CAP matching rows (FTS5 walks its rowids downwards and stops there), plus every matching
        guide; bm25 only when `score` (the order) is asked for. CROSS JOIN keeps FTS5 the outer loop."""
        where, params = filter_sql(filters)
        keyset, order, keyset_params = candidate_order(sort, after, "d", f"{FTS}.rowid")
        ranked = f"-bm25({FTS}, {WEIGHTS})" if score and sort == SearchSort.RELEVANCE else "0.0"
        columns = (
            f"d.id AS id, {ranked} AS score, d.published_at AS published_at, d.kind AS kind, "
            "d.procedure_id AS procedure_id"
        )
        # the matches but guides, walked by FTS5; the guides (a handful) from the table, each checked by rowid
        others = (
            f"SELECT {columns} FROM {FTS} CROSS JOIN {TABLE} d ON d.id = {FTS}.rowid "  # noqa: S608
            f"WHERE {FTS} MATCH %s AND {where} AND {keyset} AND d.kind <> 'guide' ORDER BY {order} LIMIT {MATCH_CAP}"
        )
        guides = (
            f"SELECT {columns} FROM {TABLE} d CROSS JOIN {FTS} ON {FTS}.rowid = d.id "  # noqa: S608
            f"WHERE d.kind = 'guide' AND {FTS} MATCH %s AND {where} AND {keyset}"
        )
        sql = f"SELECT * FROM ({others}) UNION ALL {guides}"  # noqa: S608
        one = [match_expression(plan), *params, *keyset_params]
        return sql, [*one, *one]

    def match(self, plan: Plan, filters: Filters, sort: SearchSort, after: After | None, limit: int) -> list[Hit]:
        inner, params = self._candidates(plan, filters, sort, after, score=True)
        where, order, after_params = order_sql(sort, after)
        sql = f"SELECT id, score, published_at FROM ({inner}) WHERE {where} ORDER BY {order} LIMIT %s"  # noqa: S608
        rows = fetch(sql, [*params, *after_params, limit])
        return [Hit(id=r[0], score=float(r[1]), published_at=_datetime(r[2])) for r in rows]

    def counts(self, plan: Plan, filters: Filters, columns: tuple[str, ...]) -> dict[tuple[Any, ...], int]:
        inner, params = self._candidates(plan, filters, SearchSort.RELEVANCE, None, score=False)
        names = ", ".join(FACET_COLUMNS[c] for c in columns)
        rows = fetch(f"SELECT {names}, COUNT(*) FROM ({inner}) GROUP BY {names}", params)  # noqa: S608
        return {tuple(row[:-1]): row[-1] for row in rows}

    def snippets(self, plan: Plan, documents: list[SearchDocument]) -> dict[int, str]:
        stems = {stem(word) for word in plan.all_words}
        return {d.pk: marked_snippet(d.summary or d.body or d.transcript or d.title, stems) for d in documents}

    def similar_words(self, word: str, limit: int) -> list[str]:
        # A vocabulary table, read around the word's first letter and length; ranked by difflib's ratio.
        rows = fetch(
            "SELECT word FROM search_searchterm WHERE substr(word, 1, 1) = %s AND length(word) BETWEEN %s AND %s "
            "LIMIT 5000",
            [word[:1], len(word) - 2, len(word) + 2],
        )
        scored = [(difflib.SequenceMatcher(None, word, row[0]).ratio(), row[0]) for row in rows]
        return [w for score, w in sorted(scored, key=lambda s: (-s[0], s[1])) if score >= 0.7 and w != word][:limit]
