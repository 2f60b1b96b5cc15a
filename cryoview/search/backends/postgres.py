"""PostgreSQL: a weighted tsvector per document (title A, summary and claims B, what people wrote C, what was
said D), filled by a trigger with the document's own text-search configuration, under a GIN index (migration
0002); websearch_to_tsquery, ts_rank_cd and ts_headline, as djangoproject.com's docs search does.

A query is built from the plan (query.Plan) and never from the visitor's text as syntax: each group of words is
one websearch_to_tsquery call per configuration, its words joined by "or" (they are \\w+ words without stop
words, so "or" is the only operator they can spell); groups are joined with &&, alternatives with ||. Each
group is read with every configuration a document may have (english, russian), so a Russian word finds its
stem in a Russian document and an English word in an English one, with the GIN index serving the whole query.
"""

from __future__ import annotations

from typing import Any

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
from cryoview.search.enums import Language, SearchSort
from cryoview.search.models import SearchDocument
from cryoview.search.query import Plan
from cryoview.search.text import MARK_END, MARK_START

HEADLINE_OPTIONS = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=35, MinWords=15, MaxFragments=2"


def tsquery_sql(plan: Plan) -> tuple[str, list[Any]]:
    alternatives, params = [], []
    for alternative in plan.alternatives:
        groups = []
        for group in alternative:
            words = " or ".join(group)
            parts = [f"websearch_to_tsquery('{language.value}', %s)" for language in Language]
            params.extend([words] * len(parts))
            groups.append("(" + " || ".join(parts) + ")")
        alternatives.append("(" + " && ".join(groups) + ")")
    return "(" + " || ".join(alternatives) + ")", params


class PostgresBackend:
    def stored(self, documents: list[SearchDocument]) -> None:
        """The trigger has filled each row's vector as it was inserted."""

    def cleared(self) -> None:
        """Nothing beside the table."""

    def _candidates(
        self, plan: Plan, filters: Filters, sort: SearchSort, after: After | None, *, score: bool
    ) -> tuple[str, list[Any]]:
        """At most MATCH_CAP matching rows plus every matching guide; ts_rank_cd (which reads each row's whole
        vector) only over those, and only when `score` (the order) is asked for."""
        query, query_params = tsquery_sql(plan)
        where, params = filter_sql(filters)
        keyset, order, keyset_params = candidate_order(sort, after, "d", "d.id")
        columns = "d.id, d.published_at, d.kind, d.procedure_id, d.vector"
        select = f"SELECT {columns} FROM {TABLE} d WHERE d.vector @@ {query} AND {where} AND {keyset}"  # noqa: S608
        inner = (
            f"({select} AND d.kind <> 'guide' ORDER BY {order} LIMIT {MATCH_CAP}) "
            f"UNION ALL ({select} AND d.kind = 'guide')"
        )
        one = [*query_params, *params, *keyset_params]
        ranked, rank_params = (f"ts_rank_cd(c.vector, {query})::float8", query_params) if score else ("0.0::float8", [])
        if sort != SearchSort.RELEVANCE:
            ranked, rank_params = "0.0::float8", []
        sql = (
            f"SELECT c.id AS id, {ranked} AS score, c.published_at AS published_at, c.kind AS kind, "  # noqa: S608
            f"c.procedure_id AS procedure_id FROM ({inner}) c"
        )
        return sql, [*rank_params, *one, *one]

    def match(self, plan: Plan, filters: Filters, sort: SearchSort, after: After | None, limit: int) -> list[Hit]:
        inner, params = self._candidates(plan, filters, sort, after, score=True)
        where, order, after_params = order_sql(sort, after)
        sql = f"SELECT id, score, published_at FROM ({inner}) s WHERE {where} ORDER BY {order} LIMIT %s"  # noqa: S608
        return [Hit(id=r[0], score=r[1], published_at=r[2]) for r in fetch(sql, [*params, *after_params, limit])]

    def counts(self, plan: Plan, filters: Filters, columns: tuple[str, ...]) -> dict[tuple[Any, ...], int]:
        inner, params = self._candidates(plan, filters, SearchSort.RELEVANCE, None, score=False)
        names = ", ".join(FACET_COLUMNS[c] for c in columns)
        rows = fetch(f"SELECT {names}, COUNT(*) FROM ({inner}) s GROUP BY {names}", params)  # noqa: S608
        return {tuple(row[:-1]): row[-1] for row in rows}

    def snippets(self, plan: Plan, documents: list[SearchDocument]) -> dict[int, str]:
        if not documents:
            return {}
        query, params = tsquery_sql(plan)
        sql = (
            f"SELECT id, ts_headline(language::regconfig, "  # noqa: S608
            f"COALESCE(NULLIF(summary, ''), NULLIF(body, ''), NULLIF(transcript, ''), title), {query}, %s) "
            f"FROM {TABLE} WHERE id = ANY(%s)"
        )
        rows = fetch(sql, [*params, HEADLINE_OPTIONS, [d.pk for d in documents]])
        return {row[0]: row[1] for row in rows}

    def similar_words(self, word: str, limit: int) -> list[str]:
        rows = fetch(
            "SELECT word FROM search_searchterm WHERE word %% %s AND word <> %s "
            "ORDER BY similarity(word, %s) DESC, word LIMIT %s",
            [word, word, word, limit],
        )
        return [row[0] for row in rows]
