from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.participation.conftest import (  # noqa: F401  (fixtures shared with the domain tests)
    consultation,
    consultation_in,
    make_comment,
    make_proposal,
)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached answers live in the cache, which no rollback resets."""
    cache.clear()
