"""The health check asks the socket first (perf/db/postgresql/base.py)."""

from __future__ import annotations

import select
import time

import pytest
from django.db import connection, connections

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend's check"),
]


@pytest.fixture
def second():
    """A connection of its own, idle in autocommit (the test's own sits in a transaction)."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def wait_readable(wrapper, failure: str) -> None:
    """Until the server's message reaches the socket (at most 5 s)."""
    deadline = time.monotonic() + 5
    while not select.select([wrapper.connection.fileno()], [], [], 0.05)[0]:
        assert time.monotonic() < deadline, failure


def test_the_backend_is_ours():
    assert type(connections["default"]).__module__ == "perf.db.postgresql.base"


def test_an_idle_connection_is_usable_without_a_round_trip(second, monkeypatch):
    def no_query(*args, **kwargs):
        raise AssertionError("the check sent a statement")

    monkeypatch.setattr(second.connection, "cursor", no_query)
    assert second.is_usable()


def test_a_connection_the_server_closed_is_not_usable(second):
    pid = second.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    wait_readable(second, "the server never closed the connection")
    assert not second.is_usable()
    # Django's request cycle then replaces it, and the next statement works.
    second.health_check_done = False
    second.close_if_health_check_failed()
    assert second.connection is None
    with second.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_data_waiting_or_a_transaction_open_falls_back_to_djangos_check(second, monkeypatch):
    asked = []
    parent = type(second).__mro__[1]
    monkeypatch.setattr(parent, "is_usable", lambda self: asked.append(True) or True)
    second.connection.execute("BEGIN")
    assert second.is_usable()
    second.connection.execute("ROLLBACK")
    second.connection.execute("LISTEN ruamkhid_check")
    other = connections.create_connection("default")
    try:
        other.ensure_connection()
        other.connection.execute("NOTIFY ruamkhid_check")  # now it waits on second's socket
    finally:
        other.close()
    wait_readable(second, "the notification never arrived")
    assert second.is_usable()
    assert asked == [True, True]


def test_a_closed_connection_is_not_usable(second):
    second.connection.close()
    assert not second.is_usable()
