from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from cryoview.core.models import WorkerHeartbeat

ROOT = Path(__file__).resolve().parents[3]
# On both shared caches: the database table (one server) and Redis (CRYOVIEW_CACHE_URL).
pytestmark = pytest.mark.usefixtures("each_shared_cache")


def beat(seconds_ago: float) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id=f"w{seconds_ago}",
        hostname="h",
        pid=1,
        queues="default",
        started_at=now,
        last_seen_at=now - dt.timedelta(seconds=seconds_ago),
    )


@pytest.mark.django_db
def test_healthy_when_every_dependency_is_up(client, settings):
    settings.CRYOVIEW_WORKER_MODE = "db"
    beat(1)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["state"] == "up"
    assert body["checks"]["storage"] == {"ok": True, "state": "up", "default": "up", "private": "up"}
    assert body["checks"]["worker"]["state"] == "up"
    assert body["checks"]["worker"]["alive_workers"] == 1


@pytest.mark.django_db
def test_a_stale_worker_makes_it_503(client, settings):
    settings.CRYOVIEW_WORKER_MODE = "db"
    beat(600)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["worker"]["state"] == "down"
    assert body["checks"]["worker"]["seconds_since_heartbeat"] >= 600
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_unwritable_storage_makes_it_503(client, settings, tmp_path):
    settings.CRYOVIEW_WORKER_MODE = "immediate"
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker / "private")},
        },
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    storage = response.json()["checks"]["storage"]
    assert storage["private"].startswith("down") and storage["default"] == "up"


@pytest.mark.django_db
def test_database_down_makes_it_503(client, settings, monkeypatch):
    from django.db import OperationalError

    settings.CRYOVIEW_WORKER_MODE = "immediate"

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    # The one seam we cannot run here on demand: the database server going away mid-request.
    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["state"] == "down"


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(s['NAME']).resolve()}"
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_process_reports_its_heartbeat(client, settings):
    settings.CRYOVIEW_WORKER_MODE = "db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRYOVIEW_")}
    env.update(
        CRYOVIEW_ENVIRONMENT="test",
        DJANGO_SETTINGS_MODULE="config.settings.test",
        CRYOVIEW_TEST_DATABASE_URL=database_url(),
        CRYOVIEW_WORKER_HEARTBEAT_SECONDS="1",
    )
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not WorkerHeartbeat.objects.exists():
            time.sleep(0.2)
        response = client.get("/healthz")
        assert response.status_code == 200, response.content
        assert response.json()["checks"]["worker"]["alive_workers"] == 1
    finally:
        worker.send_signal(signal.SIGINT)
        output = worker.communicate(timeout=30)[0].decode()
    assert worker.returncode == 0, output
    assert not WorkerHeartbeat.objects.exists(), "a worker that stops cleanly removes its heartbeat"
