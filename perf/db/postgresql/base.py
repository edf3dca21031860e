"""Django's PostgreSQL backend, with a health check that asks the socket before the server.

With persistent connections and CONN_HEALTH_CHECKS, Django sends `SELECT 1` before the first
statement of every request: a round trip and a statement for the server on every page view
(2.7 % of a worker's samples in the benchmark's Q1, bench/PROFILE.md session 8). A connection
the server has closed or is closing (a restart, `pg_terminate_backend`, an idle timeout) has
something to read: the server's error message or the end of the stream. An idle connection in
good order has nothing. So an idle connection whose socket has nothing to read is usable;
anything else (data waiting, a transaction open, a broken or closed connection, a socket that
cannot be polled) goes through Django's own check. A peer that vanished without a word is not
seen by either check until a statement times out.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if connection.info.transaction_status != TransactionStatus.IDLE:
            return super().is_usable()
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return super().is_usable()
        return not readable or super().is_usable()
