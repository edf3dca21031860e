"""Django's PostgreSQL backend, with a health check that asks the socket before the server.

With persistent connections and CONN_HEALTH_CHECKS, Django sends `SELECT 1` before the first
statement of every request. A connection the server has closed or is closing has something to
read (an error message or the end of the stream); an idle one in good order has nothing. So an
idle connection with nothing to read is usable, and anything else goes through Django's own
check. A peer that vanished without a word is seen by neither until a statement times out.
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
