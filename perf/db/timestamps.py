"""PostgreSQL timestamps parsed by psycopg's C loader instead of Django's Python one.

Django registers a `timestamptz` loader that subclasses psycopg's pure-Python loader only to
set the connection's time zone. With psycopg's C build and the session in UTC (Django's set-up
with USE_TZ on and no database TIME_ZONE) the C loader returns exactly that value. Any other
set-up keeps Django's loader.
"""

from __future__ import annotations

import functools
from datetime import UTC
from typing import Any

from django.db.backends.signals import connection_created

from perf.switches import active


@functools.cache
def utc_timestamptz_loader() -> type | None:
    """A loader Django accepts (its cursors compare the connection loader's `timezone` with
    their own) whose `load` is the C loader's bound method, so psycopg calls C with no Python
    frame in between (the C class cannot be subclassed). None without psycopg's C build."""
    try:
        from psycopg_binary._psycopg import TimestamptzLoader as CLoader
    except ImportError:
        return None
    from psycopg.adapt import Loader

    class UtcTimestamptzLoader(Loader):
        timezone = UTC

        def __init__(self, oid: int, context: Any = None) -> None:
            super().__init__(oid, context)
            self.load = CLoader(oid, context).load  # type: ignore[method-assign]

        def load(self, data: Any) -> Any:  # replaced per instance in __init__
            raise NotImplementedError

    return UtcTimestamptzLoader


def use_c_timestamptz_loader(sender: Any, connection: Any, **kwargs: Any) -> None:
    """connection_created receiver: swap the loader where the values are the same."""
    if connection.vendor != "postgresql" or connection.timezone is not UTC:
        return
    if not active("timestamps"):
        return
    raw = connection.connection
    loader = utc_timestamptz_loader()
    if loader is not None and raw.info.parameter_status("TimeZone") == "UTC":
        raw.adapters.register_loader("timestamptz", loader)


def install() -> None:
    connection_created.connect(use_c_timestamptz_loader, dispatch_uid="perf.db.timestamps")
