"""The first estimate of the time to ready: from the clip's duration and measured throughput, or none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cryoview.videos.models import VideoJob
from cryoview.videos.selectors import Throughput, fit_throughput, own_pace_remaining

NOW = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("samples", "expected"),
    [
        ([], None),
        ([(0.0, 10.0)], None),  # a clip without duration tells nothing
        ([(4.0, 40.0)], Throughput(0.0, 10.0)),
        ([(4.0, 40.0), (4.2, 42.0)], Throughput(0.0, 10.0)),  # too alike to separate the overhead
        ([(4.0, 40.0), (10.0, 55.0), (20.0, 80.0)], Throughput(30.0, 2.5)),
        ([(4.0, 40.0), (10.0, 40.0), (20.0, 40.0)], Throughput(0.0, 120.0 / 34.0)),  # flat: the mean pace
        ([(4.0, 2.0), (10.0, 40.0), (20.0, 100.0)], Throughput(0.0, 142.0 / 34.0)),  # negative overhead: mean pace
    ],
)
def test_throughput_fit(samples, expected):
    found = fit_throughput(samples)
    if expected is None:
        assert found is None
    else:
        assert found is not None
        assert found.overhead == pytest.approx(expected.overhead)
        assert found.per_second == pytest.approx(expected.per_second)


def test_a_throttled_run_is_not_promised_five_seconds():
    """The complaint: a 4 s clip said "about 5 s" and took 40 s. With that run measured, it says ~40 s."""
    throughput = fit_throughput([(4.0, 40.0)])
    assert throughput is not None and throughput.seconds_for(4.0) == pytest.approx(40.0)


@pytest.mark.parametrize(
    ("attempts", "started_ago", "progress", "expected"),
    [
        (1, 10.0, 0.0, None),  # no pace shown yet
        (1, 10.0, 0.02, None),  # only the probe
        (1, 0.5, 0.5, None),  # too early to measure
        (2, 10.0, 0.5, None),  # a retry's started_at includes the back-off
        (1, 10.0, 0.5, 10.0),
        (1, 30.0, 0.75, 10.0),
    ],
)
def test_own_pace(attempts, started_ago, progress, expected):
    job = VideoJob(attempts=attempts, started_at=NOW - timedelta(seconds=started_ago), enqueued_at=NOW)
    found = own_pace_remaining(job=job, progress=progress, now=NOW)
    assert found == (None if expected is None else pytest.approx(expected))
