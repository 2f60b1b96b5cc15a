"""Reads of the reviews app: what a viewer may see, the keyset-paginated list, the aggregates."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Max, Min, Prefetch, Q, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleLessThan
from django.urls import reverse

from cryoview.accounts.models import User
from cryoview.core.errors import ApplicationError
from cryoview.core.pagecache import per_generation
from cryoview.core.parsing import BIGINT_MAX, invalid, parse_datetime
from cryoview.procedures.enums import ClaimSection
from cryoview.procedures.models import Procedure
from cryoview.procedures.selectors import procedure_scope
from cryoview.reviews.breakdowns import stats_breakdowns_compute
from cryoview.reviews.enums import SIDE_EFFECT_NONE, SIDE_EFFECT_OTHER, FollowUpStatus, ReviewSort, ReviewStatus
from cryoview.reviews.models import FollowUp, Negated, Review, ReviewStats
from cryoview.reviews.permissions import can_see_review, can_see_review_in_private
from cryoview.videos.enums import VideoStatus
from cryoview.videos.models import Video
from cryoview.videos.selectors import VideoUse

PAGE_SIZE = 10
MAX_PAGE_SIZE = 50
# Below this many published reviews the guide's numbers say "too few to say much: read each one", and no rating
# is offered to search engines (an AggregateRating in the guide's structured data): an average of one to four
# people's ratings is an anecdote, not a statistic. One number for both, so the page and its markup agree.
STATS_MEANINGFUL_COUNT = 5


@dataclass(frozen=True)
class SideEffectChoice:
    slug: str
    label: str
    description: str


def side_effect_choices(*, procedure: Procedure) -> list[SideEffectChoice]:
    """The guide's own side effects, then "none" and "other". A claim that only says the side effects are
    not described ("…-not-described") is a statement about missing evidence, not a choice."""
    claims = procedure.claims.filter(section=ClaimSection.SIDE_EFFECT).order_by("position")
    choices = [
        SideEffectChoice(c.code, c.code.removesuffix("-rare").replace("-", " ").capitalize(), c.text)
        for c in claims
        if not c.code.endswith("-not-described")
    ]
    choices.append(SideEffectChoice(SIDE_EFFECT_NONE, "None", "I noticed no side effects."))
    choices.append(SideEffectChoice(SIDE_EFFECT_OTHER, "Other", "Something else: describe it below."))
    return choices


def review_can_view(*, review: Review, user: User | None) -> bool:
    """Published and not hidden: everyone. Otherwise only the author and moderators (404 for the rest)."""
    return can_see_review(user, review)


def _detail_queryset() -> QuerySet[Review]:
    return Review.objects.select_related("procedure", "author", "video", "video__transcript").prefetch_related(
        "video__renditions",
        "video__captions",
        Prefetch("followups", queryset=FollowUp.objects.order_by("created_at", "id")),
    )


def review_get_for(*, review_id: int, user: User | None) -> Review | None:
    review = _detail_queryset().filter(pk=review_id).first()
    if review is None or not review_can_view(review=review, user=user):
        return None
    return review


def review_get_own(*, review_id: int, user: User) -> Review | None:
    """A review its author may change: someone else's is None (the edge answers 404, not 403)."""
    return _detail_queryset().filter(pk=review_id, author=user).exclude(status=ReviewStatus.WITHDRAWN).first()


def review_of(*, user: User, procedure: Procedure) -> Review | None:
    return Review.objects.filter(author=user, procedure=procedure).exclude(status=ReviewStatus.WITHDRAWN).first()


def reviews_of(*, user: User) -> QuerySet[Review]:
    return Review.objects.filter(author=user).select_related("procedure").order_by("-created_at")


def followups_visible(*, review: Review, user: User | None) -> list[FollowUp]:
    """Published follow-ups for everyone; the author and moderators also see pending and rejected ones."""
    items = list(review.followups.all())
    if can_see_review_in_private(user, review):
        return items
    return [f for f in items if f.status == FollowUpStatus.PUBLISHED]


# --- the list: keyset pagination over (has_video, [rating], published_at, id) -----------------------------


@dataclass(frozen=True)
class ReviewFilters:
    sort: ReviewSort = ReviewSort.NEWEST
    has_video: bool | None = None
    rating: int | None = None
    # A condition an app above adds (the API's filters by clinic, say); reviews does not look inside it.
    where: Q | None = None


@dataclass
class ReviewPage:
    items: list[Review]
    next_cursor: str | None


def _columns(sort: ReviewSort) -> list[tuple[str, bool]]:
    """(field, descending) in order; videos first, then the chosen order, newest first among equals."""
    if sort == ReviewSort.HIGHEST:
        return [("has_video", True), ("rating", True), ("published_at", True), ("id", True)]
    if sort == ReviewSort.LOWEST:
        return [("has_video", True), ("rating", False), ("published_at", True), ("id", True)]
    return [("has_video", True), ("published_at", True), ("id", True)]


def _encode_cursor(review: Review, columns: list[tuple[str, bool]]) -> str:
    values: list[Any] = []
    for name, _ in columns:
        value = getattr(review, name)
        values.append(value.isoformat() if isinstance(value, datetime) else value)
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def _cursor_value_ok(name: str, value: Any) -> bool:
    if name == "has_video":
        return isinstance(value, bool)
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= BIGINT_MAX


def _decode_cursor(cursor: str, columns: list[tuple[str, bool]]) -> list[Any]:
    problem = invalid("cursor", "is not one this list gave out", code="invalid_cursor")
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise problem from None
    if not isinstance(values, list) or len(values) != len(columns):
        raise problem
    decoded: list[Any] = []
    for (name, _), value in zip(columns, values, strict=True):
        if name == "published_at":
            try:
                decoded.append(parse_datetime(value, field="cursor"))
            except ApplicationError:
                raise problem from None
        elif _cursor_value_ok(name, value):
            decoded.append(value)
        else:
            raise problem
    return decoded


def _row(sort: ReviewSort, rating_filter: int | None) -> list[tuple[str, Any]]:
    """The list's order as one row of (cursor column, expression), all descending, so that "after the cursor"
    is a single row-value comparison, `(a, b, c) < (x, y, z)`, which the database answers by seeking an index
    (review_list_new, review_list_rating, review_list_lowest: the same columns after procedure and status)
    rather than by reading every row before it. A rating filter joins the row as an equal column so the
    rating index serves the newest-first list too."""
    if sort == ReviewSort.LOWEST:
        return [("has_video", F("has_video")), ("rating", Negated(F("rating"))), *_NEWEST_TAIL]
    if sort == ReviewSort.HIGHEST or rating_filter is not None:
        return [("has_video", F("has_video")), ("rating", F("rating")), *_NEWEST_TAIL]
    return [("has_video", F("has_video")), *_NEWEST_TAIL]


_NEWEST_TAIL: list[tuple[str, Any]] = [("published_at", F("published_at")), ("id", F("id"))]


def _after(row: list[tuple[str, Any]], cursor: dict[str, Any], rating_filter: int | None) -> TupleLessThan:
    """Rows strictly after the cursor in the list's order."""
    values = []
    for name, expression in row:
        value: Any = cursor.get(name, rating_filter)
        values.append(-value if isinstance(expression, Negated) else value)
    return TupleLessThan(Tuple(*(expression for _, expression in row)), values)


def review_list_visible(*, procedure: Procedure) -> QuerySet[Review]:
    return Review.objects.filter(procedure=procedure, status=ReviewStatus.PUBLISHED, hidden_at__isnull=True)


def review_list_published(
    *, procedure: Procedure, filters: ReviewFilters, cursor: str | None = None, limit: int = PAGE_SIZE
) -> ReviewPage:
    """One page of the published list with a fixed number of queries, whatever the number of reviews."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    columns = _columns(filters.sort)
    row = _row(filters.sort, filters.rating)
    queryset = review_list_visible(procedure=procedure).select_related("author", "video")
    if filters.has_video is not None:
        queryset = queryset.filter(has_video=filters.has_video)
    if filters.rating is not None:
        queryset = queryset.filter(rating=filters.rating)
    if filters.where is not None:
        queryset = queryset.filter(filters.where)
    if cursor:
        values = dict(zip((name for name, _ in columns), _decode_cursor(cursor, columns), strict=True))
        queryset = queryset.filter(_after(row, values, filters.rating))
    rows = list(queryset.order_by(*(expression.desc() for _, expression in row))[: limit + 1])
    next_cursor = _encode_cursor(rows[limit - 1], columns) if len(rows) > limit else None
    return ReviewPage(items=rows[:limit], next_cursor=next_cursor)


def review_page_of(*, visible: QuerySet[Review], cursor: str | None = None, limit: int = PAGE_SIZE) -> ReviewPage:
    """One page of any set of visible reviews (a clinic's, a practitioner's) in the guide list's default order
    (videos first, then newest), with the same cursors: nothing anyone does can move a review up this list."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    columns, row = _columns(ReviewSort.NEWEST), _row(ReviewSort.NEWEST, None)
    queryset = visible.select_related("author", "video", "procedure")
    if cursor:
        values = dict(zip((name for name, _ in columns), _decode_cursor(cursor, columns), strict=True))
        queryset = queryset.filter(_after(row, values, None))
    rows = list(queryset.order_by(*(expression.desc() for _, expression in row))[: limit + 1])
    next_cursor = _encode_cursor(rows[limit - 1], columns) if len(rows) > limit else None
    return ReviewPage(items=rows[:limit], next_cursor=next_cursor)


# --- aggregates ---------------------------------------------------------------------------------------------


def _median(ordered: QuerySet[Any, Any], field: str, count: int) -> float | None:
    """The median of an ordered column, read with at most two rows from the database."""
    if count == 0:
        return None
    middle = list(ordered.values_list(field, flat=True)[(count - 1) // 2 : count // 2 + 1])
    return float(sum(Decimal(str(v)) for v in middle) / len(middle))


def stats_compute(*, procedure: Procedure) -> dict[str, Any]:
    """Aggregates over published, not hidden reviews only (withdrawn, pending, rejected never count)."""
    return stats_compute_over(visible=review_list_visible(procedure=procedure))


def stats_compute_over(*, visible: QuerySet[Review]) -> dict[str, Any]:
    """The same aggregates over any set of reviews the caller has already narrowed to the visible ones (a
    clinic's published reviews, say): one formula for every page that shows numbers."""
    visible = visible.order_by()
    totals = visible.aggregate(
        count=Count("id"),
        worth=Count("id", filter=Q(worth_it="worth_it")),
        with_followup=Count("id", filter=Q(followup_count__gt=0)),
        **{f"r{n}": Count("id", filter=Q(rating=n)) for n in range(1, 6)},
    )
    count = totals["count"]
    if count == 0:
        return empty_stats()
    by_rating = {n: totals[f"r{n}"] for n in range(1, 6)}
    worth = totals["worth"]
    with_sessions = visible.filter(sessions__isnull=False)
    sessions_median = _median(with_sessions.order_by("sessions"), "sessions", with_sessions.count())
    costs = []
    currency_counts = visible.filter(cost_amount__isnull=False).exclude(cost_currency="")
    per_currency = (
        currency_counts.values_list("cost_currency")
        .annotate(n=Count("id"), lowest=Min("cost_amount"), highest=Max("cost_amount"))
        .order_by("cost_currency")
    )
    for currency, n, lowest, highest in per_currency:
        amounts = currency_counts.filter(cost_currency=currency).order_by("cost_amount")
        costs.append(
            {
                "currency": currency,
                "count": n,
                "median": _median(amounts, "cost_amount", n),
                "min": float(lowest) if lowest is not None else None,
                "max": float(highest) if highest is not None else None,
            }
        )
    effect_counts: dict[str, int] = {}
    for effects in visible.values_list("side_effects", flat=True).iterator(chunk_size=5000):
        for slug in set(effects or []):
            effect_counts[slug] = effect_counts.get(slug, 0) + 1
    total_rating = sum(r * n for r, n in by_rating.items())
    return {
        "count": count,
        "rating": {
            "average": round(total_rating / count, 2),
            "distribution": {str(r): by_rating.get(r, 0) for r in range(5, 0, -1)},
        },
        "worth_it_percent": round(100 * worth / count),
        "cost": costs,
        "sessions_median": sessions_median,
        "side_effects": [
            {"slug": slug, "count": n, "percent": round(100 * n / count)}
            for slug, n in sorted(effect_counts.items(), key=lambda item: (-item[1], item[0]))
        ],
        "with_followup": totals["with_followup"],
        **stats_breakdowns_compute(visible=visible),  # what apps above count separately (labels)
    }


def empty_stats() -> dict[str, Any]:
    return {
        "count": 0,
        "rating": {"average": None, "distribution": {str(r): 0 for r in range(5, 0, -1)}},
        "worth_it_percent": None,
        "cost": [],
        "sessions_median": None,
        "side_effects": [],
        "with_followup": 0,
    }


def stats_get(*, procedure: Procedure) -> dict[str, Any]:
    """The stored aggregates (one query); they are recomputed whenever a review enters or leaves the count."""
    stored = ReviewStats.objects.filter(procedure=procedure).values_list("data", flat=True).first()
    return stored if stored is not None else empty_stats()


def stats_get_for_page(*, procedure: Procedure) -> dict[str, Any]:
    """stats_get, kept in this process per generation of the procedure's scope (stats_refresh bumps it when the
    numbers change): the guide's numbers and its structured data read them once between changes, not per part."""
    return per_generation(
        procedure_scope(procedure.slug), f"stats:{procedure.pk}", lambda: stats_get(procedure=procedure)
    )


def stats_get_many(*, procedure_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The stored aggregates of several procedures in one query (the home page's cards), as stats_get."""
    stored = dict(ReviewStats.objects.filter(procedure_id__in=procedure_ids).values_list("procedure_id", "data"))
    return {pk: stored.get(pk) or empty_stats() for pk in procedure_ids}


def side_effect_labels(*, procedure: Procedure) -> dict[str, str]:
    return {choice.slug: choice.label for choice in side_effect_choices(procedure=procedure)}


def queue_reviews(*, reported: QuerySet[Any] | None = None) -> QuerySet[Review]:
    """Reviews waiting for a moderator: new submissions, edits of published reviews, hidden ones, and the
    published reviews whose ids `reported` lists (the moderation app knows which have open reports), oldest first."""
    waiting = Q(status=ReviewStatus.PENDING) | Q(pending_edit__isnull=False) | Q(hidden_at__isnull=False)
    if reported is not None:
        waiting |= Q(status=ReviewStatus.PUBLISHED, pk__in=reported)
    # A review sent with a video still processing (or failed) waits for it: the author is told, the moderators
    # see it once the video is ready (or once the author replaces or drops a failed one).
    video_not_ready = Q(status=ReviewStatus.PENDING, video__isnull=False) & ~Q(video__status=VideoStatus.READY)
    return (
        Review.objects.filter(waiting)
        .exclude(status=ReviewStatus.WITHDRAWN)
        .exclude(video_not_ready)
        .select_related("procedure", "author", "video", "video__transcript")
        .prefetch_related("video__renditions", "video__captions")
        .order_by("submitted_at", "id")
    )


def queue_followups() -> QuerySet[FollowUp]:
    return (
        FollowUp.objects.filter(status=FollowUpStatus.PENDING, review__status=ReviewStatus.PUBLISHED)
        .select_related("review", "review__procedure", "review__author")
        .order_by("created_at", "id")
    )


def review_video_use(video: Video, user: User | None) -> VideoUse | None:
    """The review a video belongs to: its title (or "Video review of <procedure>") and, for those who may
    read the review, a link to it. Registered with videos (which cannot import reviews) in apps.py."""
    review = (
        Review.objects.filter(video=video)
        .exclude(status=ReviewStatus.WITHDRAWN)
        .select_related("procedure", "author")
        .first()
    )
    if review is None:
        return None
    procedure = review.procedure
    title = review.title.strip() or f"Video review of {procedure.name}"
    url = reverse("reviews:detail", args=[review.pk]) if review_can_view(review=review, user=user) else None
    guide_url = reverse("procedures:detail", kwargs={"slug": procedure.slug}) if procedure.is_published else None
    return VideoUse(
        title=title, url=url, author_name=review.author.public_name, guide_name=procedure.name, guide_url=guide_url
    )
