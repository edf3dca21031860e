"""Test data built once per module."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction


@contextmanager
def rolled_back(django_db_blocker) -> Iterator[None]:
    """Build data once for a whole module inside a transaction that is rolled back at its end
    (like Django's setUpTestData); each test then runs in its own savepoint."""
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)
