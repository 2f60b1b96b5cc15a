"""What both engines share: the filters and the order as SQL over the document table, and the interface."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.db import connection

from cryoview.search.enums import SearchSort
from cryoview.search.models import SearchDocument
from cryoview.search.query import Plan

TABLE = SearchDocument._meta.db_table


# What the facets count by: the only column names that reach the counting SQL.
FACET_COLUMNS = {"kind": "kind", "procedure_id": "procedure_id"}


@dataclass(frozen=True)
class Filters:
    kind: str | None = None
    procedure_id: int | None = None
    rating: int | None = None  # reviews (and their videos) of exactly this many stars, as the review list
    has_video: bool | None = None

    def without(self, name: str) -> Filters:
        """The same filters but one: a facet counts as if its own filter were not set."""
        return Filters(**{**self.__dict__, name: None})


@dataclass(frozen=True)
class After:
    """The last row of the previous page: its score (relevance) or its publication time (newest), and id."""

    value: float | datetime
    id: int


@dataclass(frozen=True)
class Hit:
    id: int
    score: float
    published_at: datetime


def filter_sql(filters: Filters, alias: str = "d") -> tuple[str, list[Any]]:
    clauses: list[str] = ["1 = 1"]
    params: list[Any] = []
    if filters.kind is not None:
        clauses.append(f"{alias}.kind = %s")
        params.append(filters.kind)
    if filters.procedure_id is not None:
        clauses.append(f"{alias}.procedure_id = %s")
        params.append(filters.procedure_id)
    if filters.rating is not None:
        clauses.append(f"{alias}.rating = %s")
        params.append(filters.rating)
    if filters.has_video is not None:
        clauses.append(f"{alias}.has_video = %s")
        params.append(filters.has_video)
    return " AND ".join(clauses), params


# How many matches one search ranks and counts (plus every matching guide, a handful): the newest-indexed this
# many for best match, the newest published for newest (after the cursor). Without a bound a common word ("skin")
# ranked and counted every document that has it: bench/search.py measured ~1 s a search with 100,000 reviews.
# Facet counts and the total are counted among them, so they read "at least" when they reach it.
MATCH_CAP = 1_000


def candidate_order(sort: SearchSort, after: After | None, alias: str, rowid: str) -> tuple[str, str, list[Any]]:
    """(WHERE, ORDER BY) of the capped set of matches: newest first after the cursor for newest, else the
    highest ids (`rowid`: the engine's own name for the document id, so it can walk its index in that order)."""
    if sort == SearchSort.NEWEST:
        order = f"{alias}.published_at DESC, {alias}.id DESC"
        if after is None:
            return "1 = 1", order, []
        assert isinstance(after.value, datetime)
        stamp = connection.ops.adapt_datetimefield_value(after.value)
        where = f"({alias}.published_at < %s OR ({alias}.published_at = %s AND {alias}.id < %s))"
        return where, order, [stamp, stamp, after.id]
    return "1 = 1", f"{rowid} DESC", []


def order_sql(sort: SearchSort, after: After | None) -> tuple[str, str, list[Any]]:
    """(WHERE of the rows after the cursor, ORDER BY) over the inner query's score, published_at and id."""
    if sort == SearchSort.NEWEST:
        order = "published_at DESC, id DESC"
        if after is None:
            return "1 = 1", order, []
        assert isinstance(after.value, datetime)
        stamp = connection.ops.adapt_datetimefield_value(after.value)
        return "(published_at < %s OR (published_at = %s AND id < %s))", order, [stamp, stamp, after.id]
    order = "score DESC, id DESC"
    if after is None:
        return "1 = 1", order, []
    return "(score < %s OR (score = %s AND id < %s))", order, [after.value, after.value, after.id]


def fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


class Backend(Protocol):
    def stored(self, documents: list[SearchDocument]) -> None:
        """The rows were just inserted: make them searchable (the engine's own index)."""

    def cleared(self) -> None:
        """Every row was just deleted."""

    def match(self, plan: Plan, filters: Filters, sort: SearchSort, after: After | None, limit: int) -> list[Hit]:
        """The matching rows in the order asked, after the cursor."""

    def counts(self, plan: Plan, filters: Filters, columns: tuple[str, ...]) -> dict[tuple[Any, ...], int]:
        """How many rows match, by the values of `columns` (names of FACET_COLUMNS), in one pass."""

    def snippets(self, plan: Plan, documents: list[SearchDocument]) -> dict[int, str]:
        """A short passage of each row with the matched words between text.MARK_START and text.MARK_END."""

    def similar_words(self, word: str, limit: int) -> list[str]:
        """Indexed words spelled like `word`, the closest first."""
