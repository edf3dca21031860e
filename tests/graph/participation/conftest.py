from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.db import transaction

from tests.participation.conftest import (  # noqa: F401  (fixtures shared with the domain tests)
    consultation,
    consultation_in,
    make_comment,
    make_proposal,
)


@contextmanager
def rolled_back(django_db_blocker) -> Iterator[None]:
    """Build data once for a whole module inside a transaction that is rolled back at its end
    (like Django's setUpTestData); each test then runs in its own savepoint."""
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached answers live in the cache, which no rollback resets."""
    cache.clear()
