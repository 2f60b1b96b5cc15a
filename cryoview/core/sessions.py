"""Django's database sessions, read with one plain query.

Every signed-in request loads its session; building that ORM query cost about as much as running it (profiled on
the members' guide and review-list pages, `bench/README.md`). Same table, same rows, same expiry rule and the same
answer for a missing, expired or malformed key (no session, and the key forgotten), so nothing else changes:
writes, `exists`, sign-out and `clearsessions` are Django's own.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Any:
        key = self.session_key
        if key is None:
            self._session_key = None
            return None
        model = self.model
        connection = connections[router.db_for_read(model)]
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s",  # noqa: S608
                [key, connection.ops.adapt_datetimefield_value(timezone.now())],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=key, session_data=row[0])
