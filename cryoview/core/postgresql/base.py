"""Django's PostgreSQL backend, with a health check that asks the socket before asking the server.

Connections are kept between requests (CONN_MAX_AGE) and checked before each request uses one
(CONN_HEALTH_CHECKS), so that a server restart or an ended session costs no 500. Django checks with a
`SELECT 1`: on a page that needs one cached read that was half its database round trips (bench/README.md). A
server that ends a session (restart, `pg_terminate_backend`, an idle timeout) sends its last message and
closes the socket, which then reads as ready; a live idle session has nothing to say. So a socket with
nothing waiting is taken as healthy at once, and anything waiting (that, or a notice) gets Django's own check.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if connection.info.transaction_status != pq.TransactionStatus.IDLE:
            return bool(super().is_usable())
        try:
            waiting, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not waiting or bool(super().is_usable())
