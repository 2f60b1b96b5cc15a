"""/healthz on object storage: the buckets are written and read like folders, and an unreachable store is a
503 that names it, never a 500."""

from __future__ import annotations

import pytest

from cryoview.core.tests.objectstore import free_port


@pytest.mark.django_db
def test_healthz_reports_both_buckets_up_and_leaves_no_object(client, settings, s3):
    settings.CRYOVIEW_WORKER_MODE = "immediate"
    response = client.get("/healthz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["storage"] == {"ok": True, "state": "up", "default": "up", "private": "up"}
    assert s3.all_keys() == {"private": [], "public": []}


@pytest.mark.django_db
def test_an_unreachable_store_is_a_503_that_names_it(client, settings, s3):
    settings.CRYOVIEW_WORKER_MODE = "immediate"
    closed = f"http://127.0.0.1:{free_port()}"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            **settings.STORAGES["private"],
            "OPTIONS": {**settings.STORAGES["private"]["OPTIONS"], "endpoint_url": closed},
        },
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    storage = response.json()["checks"]["storage"]
    assert storage["private"].startswith("down (") and storage["default"] == "up"
    page = client.get("/status/")
    assert page.status_code == 200
    assert b"Down: files cannot be stored." in page.content
