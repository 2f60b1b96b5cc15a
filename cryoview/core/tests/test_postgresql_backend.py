"""The PostgreSQL backend's health check: a live idle connection is taken as healthy without a round trip, and
a session the server ended is still found and replaced, as with Django's `SELECT 1`."""

from __future__ import annotations

import select
from unittest import mock

import psycopg
import pytest
from django.db import connection

from config.settings.base import database_settings

pytestmark = pytest.mark.django_db(transaction=True)  # autocommit: the connection is idle between queries

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's backend (CRYOVIEW_TEST_DATABASE_URL)"
)


def test_postgresql_settings_use_the_backend_and_keep_health_checks():
    db = database_settings({"ENGINE": "django.db.backends.postgresql", "NAME": "cryoview", "HOST": "db"})
    assert db["ENGINE"] == "cryoview.core.postgresql"
    assert db["CONN_HEALTH_CHECKS"] is True and db["CONN_MAX_AGE"] > 0


@postgresql_only
def test_a_live_idle_connection_is_healthy_without_a_query():
    connection.ensure_connection()
    raw = connection.connection
    with mock.patch.object(raw, "cursor", side_effect=AssertionError("the health check sent a query")):
        assert connection.is_usable()


@postgresql_only
def test_a_connection_the_server_ended_is_found_and_replaced():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    raw = connection.connection
    settings = connection.get_connection_params()
    with psycopg.connect(**settings, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    # The server's last message and its end of the socket arrive on their own (no timing asserted here).
    select.select([raw.fileno()], [], [], 10)
    assert not connection.is_usable()
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    assert connection.connection is None, "the ended connection was closed"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert connection.connection is not raw
