"""The review list's keyset: one row-value comparison that an index seeks, on SQLite and on PostgreSQL, and
pages that join up exactly (no duplicates, no gaps) whatever the ties."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from cryoview.accounts.tests.factories import UserFactory
from cryoview.reviews.enums import ReviewSort, ReviewStatus
from cryoview.reviews.models import Review
from cryoview.reviews.selectors import ReviewFilters, review_list_published

pytestmark = pytest.mark.django_db

INDEX_OF = {
    (ReviewSort.NEWEST, None): "review_list_new",
    (ReviewSort.NEWEST, 4): "review_list_rating",
    (ReviewSort.HIGHEST, None): "review_list_rating",
    (ReviewSort.LOWEST, None): "review_list_lowest",
    (ReviewSort.LOWEST, 2): "review_list_lowest",
}


def seed(procedure, count: int, *, hidden: int = 0, pending: int = 0) -> list[Review]:
    """Published reviews with many ties: three publication moments, ratings 1-5, about a third with a video
    flag (the list orders by the flag; no files are needed for that)."""
    rng = random.Random(12)  # noqa: S311 - a fixed mix of ties, not a secret
    moments = [timezone.now() - timedelta(days=d) for d in (1, 2, 3)]
    authors = UserFactory.create_batch(count + hidden + pending)
    rows = [
        Review(
            procedure=procedure,
            author=author,
            status=ReviewStatus.PENDING if n >= count + hidden else ReviewStatus.PUBLISHED,
            hidden_at=timezone.now() if count <= n < count + hidden else None,
            rating=rng.randint(1, 5),
            worth_it="worth_it",
            title=f"Review {n}",
            body="text",
            body_html="<p>text</p>",
            has_video=rng.random() < 0.35,
            published_at=rng.choice(moments),
        )
        for n, author in enumerate(authors)
    ]
    Review.objects.bulk_create(rows)
    return list(Review.objects.filter(procedure=procedure))


def expected_order(reviews: list[Review], sort: ReviewSort, has_video: bool | None, rating: int | None) -> list[int]:
    visible = [
        r
        for r in reviews
        if r.status == ReviewStatus.PUBLISHED
        and r.hidden_at is None
        and (has_video is None or r.has_video == has_video)
        and (rating is None or r.rating == rating)
    ]
    rating_key = {
        ReviewSort.NEWEST: lambda r: 0,
        ReviewSort.HIGHEST: lambda r: -r.rating,
        ReviewSort.LOWEST: lambda r: r.rating,
    }[sort]
    visible.sort(key=lambda r: (not r.has_video, rating_key(r), -(r.published_at or timezone.now()).timestamp(), -r.pk))
    return [r.pk for r in visible]


def walk(procedure, filters: ReviewFilters, limit: int) -> list[int]:
    seen: list[int] = []
    cursor = None
    for _ in range(1000):
        page = review_list_published(procedure=procedure, filters=filters, cursor=cursor, limit=limit)
        assert len(page.items) <= limit
        seen += [r.pk for r in page.items]
        if page.next_cursor is None:
            return seen
        assert len(page.items) == limit, "only the last page is short"
        cursor = page.next_cursor
    raise AssertionError("the cursor never ended")


@pytest.mark.parametrize("sort", list(ReviewSort))
@pytest.mark.parametrize(("has_video", "rating"), [(None, None), (True, None), (False, None), (None, 3), (True, 5)])
def test_pages_join_up_with_no_duplicates_and_no_gaps(massage, sort, has_video, rating):
    reviews = seed(massage, 60, hidden=3, pending=3)
    filters = ReviewFilters(sort=sort, has_video=has_video, rating=rating)
    expected = expected_order(reviews, sort, has_video, rating)
    assert expected, "the seed covers every filter"
    for limit in (1, 7, 10, 50):
        assert walk(massage, filters, limit) == expected, f"limit {limit}"


def test_a_review_published_meanwhile_neither_repeats_nor_skips_the_rest(massage):
    reviews = seed(massage, 25)
    filters = ReviewFilters(sort=ReviewSort.NEWEST)
    first = review_list_published(procedure=massage, filters=filters, limit=10)
    newcomer = UserFactory()
    Review.objects.create(
        procedure=massage,
        author=newcomer,
        status=ReviewStatus.PUBLISHED,
        rating=5,
        worth_it="worth_it",
        title="Newer than the cursor",
        body="x",
        body_html="<p>x</p>",
        has_video=True,
        published_at=timezone.now(),
    )
    rest = walk_from(massage, filters, first.next_cursor)
    assert [r.pk for r in first.items] + rest == expected_order(reviews, ReviewSort.NEWEST, None, None)


def walk_from(procedure, filters: ReviewFilters, cursor: str | None) -> list[int]:
    seen: list[int] = []
    while cursor:
        page = review_list_published(procedure=procedure, filters=filters, cursor=cursor, limit=10)
        seen += [r.pk for r in page.items]
        cursor = page.next_cursor
    return seen


def second_page_query(procedure, filters: ReviewFilters) -> tuple[str, tuple]:
    """The SQL (with placeholders) and parameters of the list's second page."""
    first = review_list_published(procedure=procedure, filters=filters, limit=2)
    assert first.next_cursor
    captured: list[tuple[str, tuple]] = []

    def keep(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        review_list_published(procedure=procedure, filters=filters, cursor=first.next_cursor, limit=2)
    (query,) = captured
    return query


@pytest.mark.parametrize(("sort", "rating"), list(INDEX_OF))
def test_after_the_cursor_is_one_row_value_comparison(massage, sort, rating):
    seed(massage, 40)
    sql, _ = second_page_query(massage, ReviewFilters(sort=sort, rating=rating))
    table = '"reviews_review"'
    columns = [f'{table}."has_video"']
    if sort == ReviewSort.LOWEST:
        columns.append(f'(-{table}."rating")')
    elif sort == ReviewSort.HIGHEST or rating is not None:
        columns.append(f'{table}."rating"')
    columns += [f'{table}."published_at"', f'{table}."id"']
    assert f"({', '.join(columns)}) < (" in sql
    assert " OR " not in sql.split(" WHERE ", 1)[1], "no (a < x) OR (a = x AND …) expansion"


def explain(procedure, filters: ReviewFilters) -> str:
    sql, params = second_page_query(procedure, filters)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A table of 40 rows is read whole however good the index; what matters is that the index
            # *can* answer the comparison: as an Index Cond, not a Filter after reading every row.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(" ".join(str(part) for part in row) for row in cursor.fetchall())


@pytest.mark.parametrize(("sort", "rating"), list(INDEX_OF))
def test_the_database_seeks_the_index_to_the_cursor(massage, sort, rating):
    seed(massage, 40)
    plan = explain(massage, ReviewFilters(sort=sort, rating=rating))
    index = INDEX_OF[(sort, rating)]
    if connection.vendor == "postgresql":
        assert f"Index Scan Backward using {index}" in plan or f"Index Scan using {index}" in plan, plan
        condition = next(line for line in plan.splitlines() if "Index Cond" in line)
        assert "ROW(" in condition and ") < ROW(" in condition, plan
        assert not any("Sort" in line for line in plan.splitlines()), f"the index gives the order\n{plan}"
    else:
        # SQLite 3.40 seeks the whole row on plain columns; with the -rating expression or a rating filter
        # it seeks on the has_video prefix and reads the rest in index order, still without sorting.
        assert "USING INDEX review_list_" in plan, plan
        if rating is None and sort != ReviewSort.LOWEST:
            assert f"USING INDEX {index}" in plan and ")<(" in plan.replace(" ", ""), plan
        assert "TEMP B-TREE" not in plan, f"the index gives the order\n{plan}"
