"""Fixtures shared by the endpoint-level GraphQL tests."""

from __future__ import annotations

import pytest

from permissions.models import Agency


@pytest.fixture
def production(settings):
    """The production policy: DEBUG off and the GraphQL switches at their production values."""
    settings.DEBUG = False
    settings.GRAPHQL = {
        **settings.GRAPHQL,
        "INTROSPECTION": False,
        "GRAPHIQL": False,
        "MASK_ERRORS": True,
    }
    return settings


@pytest.fixture
def agency_reads(monkeypatch) -> list[str]:
    """Records every queryset built from Agency's manager: a resolver touching agencies."""
    calls: list[str] = []
    manager_cls = type(Agency._default_manager)
    original = manager_cls.get_queryset

    def spy(self):
        if self.model is Agency:
            calls.append("get_queryset")
        return original(self)

    monkeypatch.setattr(manager_cls, "get_queryset", spy)
    return calls
