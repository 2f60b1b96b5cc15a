"""Stats breakdowns: what an app above reviews counts separately in the guide's aggregates (its labels: Verified,
Invited, no label) without the reviews app importing it (DESIGN rule 3, as reviews.extras does for the form).

An app registers one `StatsBreakdown` in its AppConfig.ready(). stats_compute_over runs each breakdown over the
same visible reviews and stores its rows under `key` with the other numbers, so they are recounted, stored and
cached per generation exactly like them (no query of its own on a guide page). The stats' template renders each
breakdown's `template` with its `rows` and the whole `stats`. With nothing registered the stats are as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from cryoview.reviews.models import Review

Rows = list[dict[str, Any]]  # JSON-safe: stored in ReviewStats.data


@dataclass(frozen=True)
class StatsBreakdown:
    """- `key`: where its rows go in the stats (e.g. "by_label"); must not clash with the stats' own keys.
    - `compute(visible)`: its rows over the visible reviews (one or two queries, JSON-safe values).
    - `template`: renders `rows` (and `stats`) below the aggregates, wherever they are shown."""

    key: str
    compute: Callable[[QuerySet[Review]], Rows]
    template: str


@dataclass(frozen=True)
class BreakdownPart:
    template: str
    rows: Rows


_breakdowns: dict[str, StatsBreakdown] = {}


def register_stats_breakdown(breakdown: StatsBreakdown) -> None:
    """Called once per process by an app's AppConfig.ready(); registering the same key again replaces it."""
    _breakdowns[breakdown.key] = breakdown


def unregister_stats_breakdown(key: str) -> None:
    """For tests that check the stats without any breakdown."""
    _breakdowns.pop(key, None)


def stats_breakdowns_compute(*, visible: QuerySet[Review]) -> dict[str, Rows]:
    """{key: rows} of every registered breakdown over these reviews."""
    return {key: breakdown.compute(visible) for key, breakdown in _breakdowns.items()}


def stats_breakdown_parts(stats: dict[str, Any]) -> list[BreakdownPart]:
    """What to render under these stats: each registered breakdown that has rows stored in them (stats counted
    before it was registered have none, until the next recount)."""
    return [BreakdownPart(b.template, stats[key]) for key, b in _breakdowns.items() if stats.get(key)]
