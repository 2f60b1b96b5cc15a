"""Dependency checks behind GET /healthz (each returns a state an operator can act on), and the same facts in
plain words for the human status page, /status/."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import DatabaseError, connection
from django.utils import timezone
from django.utils.module_loading import import_string

from cryoview.core.cache import UNAVAILABLE, ResilientRedisCache
from cryoview.core.selectors import worker_heartbeat_latest


@dataclass
class CheckResult:
    ok: bool
    state: str
    detail: dict[str, Any]


def check_database() -> CheckResult:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return CheckResult(False, "down", {"vendor": connection.vendor, "error": error.__class__.__name__})
    return CheckResult(True, "up", {"vendor": connection.vendor})


def check_storage() -> CheckResult:
    detail: dict[str, Any] = {}
    ok = True
    for alias in ("default", "private"):
        store = storages[alias]
        name = f".healthz/{uuid.uuid4().hex}"
        try:
            saved = store.save(name, ContentFile(b"ok"))
            store.delete(saved)
        except (OSError, BotoCoreError, ClientError) as error:
            # A local folder fails with OSError, an object store with botocore's errors (refused, timed out, 5xx).
            ok = False
            detail[alias] = f"down ({error.__class__.__name__})"
        else:
            detail[alias] = "up"
    return CheckResult(ok, "up" if ok else "down", detail)


def check_worker() -> CheckResult:
    if settings.CRYOVIEW_WORKER_MODE == "immediate":
        return CheckResult(True, "not used", {"mode": "immediate"})
    stale_after = timedelta(seconds=settings.CRYOVIEW_WORKER_STALE_SECONDS)
    try:
        latest, alive = worker_heartbeat_latest(stale_after=stale_after)
    except DatabaseError:
        return CheckResult(False, "unknown", {"mode": "db", "error": "database unavailable"})
    detail: dict[str, Any] = {
        "mode": "db",
        "alive_workers": alive,
        "last_heartbeat": latest.last_seen_at.isoformat() if latest else None,
    }
    if latest is not None:
        detail["seconds_since_heartbeat"] = round((timezone.now() - latest.last_seen_at).total_seconds(), 1)
    return CheckResult(alive > 0, "up" if alive else "down", detail)


def check_cache() -> CheckResult:
    """The shared cache. Redis is asked directly (past the cache's circuit breaker), so this says how it is now."""
    shared = caches["default"]
    if not isinstance(shared, ResilientRedisCache):
        return CheckResult(True, "up", {"backend": shared.__class__.__name__})
    try:
        shared.ping()
    except UNAVAILABLE as error:
        return CheckResult(False, "down", {"backend": "redis", "error": error.__class__.__name__})
    return CheckResult(True, "up", {"backend": "redis"})


CHECKS = {"database": check_database, "storage": check_storage, "worker": check_worker, "cache": check_cache}
# Without these the site still serves every page (a down Redis: fresh renders, rate limits per process), so a
# load balancer must not take every node out for them: /healthz says "degraded" with a 200.
DEGRADING = {"cache"}


def run_checks() -> tuple[bool, dict[str, Any]]:
    results = {name: check() for name, check in CHECKS.items()}
    healthy = all(result.ok for name, result in results.items() if name not in DEGRADING)
    degraded = not all(result.ok for result in results.values())
    body = {
        "status": ("degraded" if degraded else "ok") if healthy else "unavailable",
        "checks": {name: {"ok": r.ok, "state": r.state, **r.detail} for name, r in results.items()},
    }
    return healthy, body


@dataclass(frozen=True)
class StatusFact:
    """One line of the status page: what, its value in plain words, and whether it is as it should be."""

    label: str
    text: str
    ok: bool = True


@dataclass(frozen=True)
class SiteStatus:
    healthy: bool
    facts: list[StatusFact]


def time_ago(moment: datetime) -> str:
    return _ago((timezone.now() - moment).total_seconds())


def _ago(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''} ago"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} minutes ago"
    hours = round(minutes / 60)
    return f"{hours} hours ago" if hours < 48 else f"{round(hours / 24)} days ago"


def _worker_fact(worker: CheckResult) -> StatusFact:
    if worker.state == "not used":
        return StatusFact("Background worker", "Not needed: background jobs run inside each web request.")
    since = worker.detail.get("seconds_since_heartbeat")
    if worker.ok:
        return StatusFact("Background worker", f"Running (last sign of life {_ago(since or 0)}).")
    seen = f"last seen {_ago(since)}" if since is not None else "never seen"
    return StatusFact(
        "Background worker",
        f"Not running ({seen}). Videos, captions and e-mails wait until it is back.",
        ok=False,
    )


def _queue_fact() -> StatusFact:
    if settings.CRYOVIEW_WORKER_MODE == "immediate":
        return StatusFact("Waiting jobs", "None: there is no queue in this set-up.")
    from django_tasks_db.models import DBTaskResult  # only installed when the database queue is used

    waiting = DBTaskResult.objects.ready().count()
    if not waiting:
        return StatusFact("Waiting jobs", "None: the queue is empty.")
    return StatusFact("Waiting jobs", f"{waiting} job{'s' if waiting != 1 else ''} waiting for the worker.")


def _cache_fact(shared: CheckResult) -> StatusFact:
    backend = shared.detail.get("backend")
    if backend == "DatabaseCache":
        return StatusFact("Shared cache", "In the database: enough for one server (Redis shares it between several).")
    if backend != "redis":
        return StatusFact("Shared cache", "In each web process's memory.")
    if shared.ok:
        return StatusFact("Shared cache", "Up: Redis answers; pages and rate limits are shared by every web process.")
    return StatusFact(
        "Shared cache",
        "Down: Redis does not answer. Pages still work but are slower (made afresh each time), and limits on "
        "sign-ups, sign-ins and reports count in each web process until it is back.",
        ok=False,
    )


def status_summary() -> SiteStatus:
    """The status page's facts: the site, its storage, the worker, the queue, and each app's own facts
    (settings.CRYOVIEW_STATUS_FACTS names functions returning StatusFact lists, e.g. the last video processed)."""
    database, storage, worker = check_database(), check_storage(), check_worker()
    if not database.ok:
        return SiteStatus(False, [StatusFact("Site", "Down: the database does not answer.", ok=False)])
    facts = [
        StatusFact("Site", "Up: pages and the database answer."),
        StatusFact(
            "Files",
            "Up: videos can be stored and read." if storage.ok else "Down: files cannot be stored.",
            ok=storage.ok,
        ),
        _worker_fact(worker),
        _queue_fact(),
        _cache_fact(check_cache()),
    ]
    for path in settings.CRYOVIEW_STATUS_FACTS:
        facts.extend(import_string(path)())
    return SiteStatus(all(fact.ok for fact in facts), facts)
