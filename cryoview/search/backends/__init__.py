"""The two engines behind one interface: PostgreSQL full-text search, SQLite FTS5 (chosen by the database)."""

from __future__ import annotations

from django.db import connection

from cryoview.search.backends.base import Backend


def backend() -> Backend:
    if connection.vendor == "postgresql":
        from cryoview.search.backends.postgres import PostgresBackend

        return PostgresBackend()
    from cryoview.search.backends.sqlite import SqliteBackend

    return SqliteBackend()
