"""Shared fixtures: agencies, a user per role, and a GraphQL client speaking HTTP."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from permissions.memberships import grant_role
from permissions.roles import Role
from tests.factories import UserFactory, make_agency


@dataclass
class GraphQLResponse:
    status: int
    body: dict[str, Any]

    @property
    def data(self) -> dict[str, Any] | None:
        return self.body.get("data")

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.body.get("errors") or []

    @property
    def codes(self) -> list[str | None]:
        return [(e.get("extensions") or {}).get("code") for e in self.errors]


class GraphQLClient:
    """Posts documents to /graphql/ over Django's test client, as a frontend would."""

    def __init__(self, client: Client | None = None, host: str = "localhost") -> None:
        self.client = client or Client(HTTP_HOST=host)
        self.headers: dict[str, str] = {}

    def login(self, user) -> GraphQLClient:
        self.client.force_login(user)
        return self

    def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        method: str = "post",
    ) -> GraphQLResponse:
        merged = {**self.headers, **(headers or {})}
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in merged.items()}
        if method == "get":
            params = {"query": query}
            if variables:
                params["variables"] = json.dumps(variables)
            response = self.client.get("/graphql/", params, HTTP_ACCEPT="application/json", **extra)
        else:
            payload = {"query": query, "variables": variables or {}}
            response = self.client.post(
                "/graphql/", json.dumps(payload), content_type="application/json", **extra
            )
        try:
            body = json.loads(response.content)
        except ValueError:
            body = {"raw": response.content.decode(errors="replace")}
        return GraphQLResponse(response.status_code, body)

    def ok(
        self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Execute and insist on an answer without errors; returns `data`."""
        result = self.execute(query, variables, **kwargs)
        assert result.status == 200, result.body
        assert not result.errors, result.errors
        return result.data


@pytest.fixture
def gql() -> GraphQLClient:
    return GraphQLClient()


@pytest.fixture
def agency_a(db):
    return make_agency("agency-a", name_th="กรมทรัพยากรน้ำ", name_en="Department of Water Resources")


@pytest.fixture
def agency_b(db):
    return make_agency("agency-b", name_th="กรมควบคุมมลพิษ", name_en="Pollution Control Department")


@pytest.fixture
def make_member(db):
    """make_member(agency, role) -> a fresh user holding that role in that agency."""

    def factory(agency, role: str, **kwargs):
        user = UserFactory(**kwargs)
        grant_role(agency, user, role)
        return user

    return factory


@pytest.fixture
def editor_a(make_member, agency_a):
    return make_member(agency_a, Role.EDITOR, username="editor-a")


@pytest.fixture
def editor_b(make_member, agency_b):
    return make_member(agency_b, Role.EDITOR, username="editor-b")


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture(autouse=True, scope="session")
def _statement_cache_verified():
    """Every cached SQL statement is compiled again and compared (perf.db.statement_cache)."""
    from django.conf import settings

    settings.SQL_STATEMENT_CACHE = "verify"
    yield
