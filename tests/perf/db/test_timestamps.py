"""Timestamps from PostgreSQL go through psycopg's C loader, with Django's values
(perf/db/timestamps.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from perf.db.timestamps import use_c_timestamptz_loader, utc_timestamptz_loader

pytestmark = pytest.mark.django_db

VALUES_SQL = """
    SELECT v FROM (VALUES
        ('2024-03-01 22:26:48+00'::timestamptz), ('2024-03-01 22:26:48.000001+07'),
        ('1999-12-31 23:59:59.999999-03:30'), ('2566-04-13 00:00:00+07'), (NULL)
    ) AS t(v)
"""


def _postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's timestamptz loader (SQLite has no psycopg)")
    if utc_timestamptz_loader() is None:
        pytest.skip("psycopg's C implementation is not installed")


def test_new_connections_load_timestamps_in_c():
    _postgresql()
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(1184, 0)  # timestamptz, text
    assert loader is utc_timestamptz_loader()


def test_values_are_exactly_djangos():
    _postgresql()
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    with connection.cursor() as cursor:
        cursor.execute(VALUES_SQL)
        fast = [row[0] for row in cursor.fetchall()]
    with connection.cursor() as cursor:
        register_tzloader(connection.timezone, cursor.cursor)  # Django's own, on this cursor
        cursor.execute(VALUES_SQL)
        djangos = [row[0] for row in cursor.fetchall()]
    assert fast == djangos
    assert [v.tzinfo for v in fast if v] == [UTC] * 4
    assert fast[1] == datetime(2024, 3, 1, 15, 26, 48, 1, tzinfo=UTC)


class _Raw:
    def __init__(self, session_zone: str) -> None:
        self.registered: list[type] = []
        self.info = SimpleNamespace(parameter_status=lambda name: session_zone)
        self.adapters = SimpleNamespace(register_loader=lambda _, cls: self.registered.append(cls))


@pytest.mark.parametrize(
    ("django_zone", "session_zone", "swapped"),
    [
        (UTC, "UTC", True),
        (None, "UTC", False),  # USE_TZ off: Django's loader makes naive values
        (ZoneInfo("Asia/Bangkok"), "Asia/Bangkok", False),  # a database TIME_ZONE
        (UTC, "Asia/Bangkok", False),  # a session someone moved off UTC
    ],
)
def test_only_a_utc_connection_gets_the_c_loader(django_zone, session_zone, swapped):
    if utc_timestamptz_loader() is None:
        pytest.skip("psycopg's C implementation is not installed")
    raw = _Raw(session_zone)
    wrapper = SimpleNamespace(vendor="postgresql", timezone=django_zone, connection=raw)
    use_c_timestamptz_loader(None, wrapper)
    assert raw.registered == ([utc_timestamptz_loader()] if swapped else [])
