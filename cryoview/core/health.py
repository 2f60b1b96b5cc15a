"""Dependency checks behind GET /healthz: each returns a state an operator can act on."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import DatabaseError, connection
from django.utils import timezone

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
        except OSError as error:
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


CHECKS = {"database": check_database, "storage": check_storage, "worker": check_worker}


def run_checks() -> tuple[bool, dict[str, Any]]:
    results = {name: check() for name, check in CHECKS.items()}
    healthy = all(result.ok for result in results.values())
    body = {
        "status": "ok" if healthy else "unavailable",
        "checks": {name: {"ok": r.ok, "state": r.state, **r.detail} for name, r in results.items()},
    }
    return healthy, body
