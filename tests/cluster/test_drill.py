"""Issue 13's multi-node fault drill, once per CI run (on the PostgreSQL pass: it is `slow` and `browser`).

The drill (tests/cluster/drill.py) starts nginx with deploy/'s site in front of two gunicorn nodes started from
deploy/'s unit, two workers, its own PostgreSQL database, Redis and S3 endpoint, breaks them one at a time and
checks what clients see; each step is one test here. `python -m tests.cluster` runs the same and prints it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from tests.browser import CHROMIUM
from tests.cluster.cluster import admin_database_url
from tests.cluster.drill import Drill, Outcome

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def missing() -> list[str]:
    import psycopg

    absent = [p for p in ("nginx", "redis-server", "ffmpeg", "openssl") if not shutil.which(p)]
    absent += [] if CHROMIUM.exists() else ["chromium"]
    try:
        psycopg.connect(admin_database_url(), connect_timeout=3).close()
    except psycopg.OperationalError:
        absent.append(f"PostgreSQL at {admin_database_url()}")
    return absent


@pytest.fixture(scope="module")
def outcomes() -> Iterator[dict[int, Outcome]]:
    absent = missing()
    if absent:
        if os.environ.get("CI"):
            pytest.fail(f"the cluster drill needs {', '.join(absent)} in CI (scripts/system-packages test)")
        pytest.skip(f"the cluster drill needs {', '.join(absent)}")
    lines: list[str] = []
    drill = Drill(say=lines.append)
    try:
        done = drill.run()
    finally:
        print("\n".join(lines))  # noqa: T201 - shown with -s, and in the report of a failing step
    yield {outcome.number: outcome for outcome in done}


@pytest.mark.parametrize("number", [1, 2, 3, 4, 5])
def test_drill_step(outcomes: dict[int, Outcome], number: int) -> None:
    outcome = outcomes.get(number)
    assert outcome is not None, "the drill stopped before this step (see the set-up error above)"
    assert outcome.ok, outcome.line() + "\n" + "\n".join(outcome.notes)
