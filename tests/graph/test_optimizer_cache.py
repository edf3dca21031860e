"""graph/optimizer_cache.py: a selection's optimizer hints are worked out once, under a key that
holds everything the walk reads, and hints built for a request are never kept."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql import parse

from graph import optimizer_cache
from participation import services
from tests.factories import UserFactory, make_agency, make_consultation
from tests.participation.conftest import make_proposal

pytestmark = pytest.mark.django_db

LIST = """query List($withTitle: Boolean!) {
  consultation(agency: "hints-a", slug: "hinted") {
    proposals(first: 10, orderBy: OLDEST) {
      edges { node { id supportCount title @include(if: $withTitle) author { displayName } } }
    }
  }
}"""

ANSWERED = """{
  consultation(agency: "hints-a", slug: "hinted") {
    proposals(first: 10, orderBy: OLDEST) { edges { node { title officialResponse { text } } } }
  }
}"""


@pytest.fixture
def world(agency_a):
    agency = make_agency("hints-a", name_th="ทดสอบคำใบ้", name_en="Hints")
    page = make_consultation(agency, "ผังเมืองริมน้ำ", slug="hinted")
    author = UserFactory(display_name="สมชาย ใจดี")
    proposals = [make_proposal(page, author, title=f"ข้อเสนอที่ {i}") for i in range(3)]
    return agency, author, proposals


@pytest.fixture
def walks(gql, world, monkeypatch) -> list[str]:
    """The model of every whole-selection walk the optimizer makes (the cache's misses), from
    a steady state: a process's first request also loads its per-process caches once."""
    gql.ok('{ consultation(agency: "hints-a", slug: "hinted") { title } }')
    optimizer_cache.hints.clear()
    made: list[str] = []
    compute = optimizer_cache._compute

    def counted(model: Any, *args: Any, **kwargs: Any) -> Any:
        if not kwargs.get("prefix") and kwargs.get("cache") is None and not kwargs.get("level"):
            made.append(model.__name__)
        return compute(model, *args, **kwargs)

    monkeypatch.setattr(optimizer_cache, "_compute", counted)
    yield made
    optimizer_cache.hints.clear()


def answer_and_statements(gql, query: str, variables: dict | None = None) -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as captured:
        data = gql.ok(query, variables)
    return data, len(captured.captured_queries)


def test_a_repeated_selection_is_walked_once_and_answers_the_same(gql, world, walks):
    first, statements = answer_and_statements(gql, LIST, {"withTitle": True})
    assert walks == ["Proposal"]
    again, statements_again = answer_and_statements(gql, LIST, {"withTitle": True})
    assert walks == ["Proposal"]  # no second walk
    assert again == first and statements_again == statements
    node = first["consultation"]["proposals"]["edges"][0]["node"]
    assert node["title"] == "ข้อเสนอที่ 0" and node["author"] == {"displayName": "สมชาย ใจดี"}


def test_a_variable_inside_the_selection_is_part_of_the_key(gql, world, walks):
    """`@include(if: $withTitle)` changes the columns: hints for one value must not serve the
    other (a missing column would load per row, an extra statement each)."""
    _, cold = answer_and_statements(gql, LIST, {"withTitle": True})
    optimizer_cache.hints.clear()
    without, _ = answer_and_statements(gql, LIST, {"withTitle": False})
    assert "title" not in without["consultation"]["proposals"]["edges"][0]["node"]
    with_title, warm = answer_and_statements(gql, LIST, {"withTitle": True})
    assert walks == ["Proposal", "Proposal", "Proposal"]
    assert warm == cold
    assert with_title["consultation"]["proposals"]["edges"][2]["node"]["title"] == "ข้อเสนอที่ 2"


def test_hints_that_carry_a_prefetch_are_worked_out_every_time(gql, world, walks, make_member):
    agency, _, proposals = world
    assert gql.ok(ANSWERED)["consultation"]["proposals"]["edges"][0]["node"] == {
        "title": "ข้อเสนอที่ 0",
        "officialResponse": None,
    }
    staff = make_member(agency, "responder")
    services.respond_to_proposal(staff, proposals[0], status="accepted", text="รับไว้พิจารณาในแผนปีหน้า")
    got = gql.ok(ANSWERED)["consultation"]["proposals"]["edges"][0]["node"]
    assert got["officialResponse"] == {"text": "รับไว้พิจารณาในแผนปีหน้า"}
    assert walks == ["Proposal", "Proposal"]


def test_only_name_hints_are_reusable() -> None:
    from django.db.models import Count, Prefetch
    from strawberry_django.optimizer import OptimizerStore

    from participation.models import Proposal

    assert optimizer_cache.reusable(
        OptimizerStore(only=["id"], select_related=["author"], prefetch_related=["phases"])
    )
    prefetch = Prefetch("responses", queryset=Proposal.objects.none())
    assert not optimizer_cache.reusable(OptimizerStore(prefetch_related=[prefetch]))
    assert not optimizer_cache.reusable(OptimizerStore(prefetch_related=[lambda info: prefetch]))
    assert not optimizer_cache.reusable(OptimizerStore(annotate={"n": Count("id")}))


def test_the_variables_of_a_selection_include_arguments_directives_and_fragments() -> None:
    document = parse(
        """query Q($a: Int, $b: Boolean!, $c: String, $d: ID, $unused: Int) {
          consultation(agency: "x", slug: $c) {
            proposals(first: $a) { edges { node { ...Bits title @skip(if: $b) } } }
          }
        }
        fragment Bits on Proposal { id comments(after: $d, filter: {ids: [$d]}) { totalCount } }"""
    )
    operation, fragment = document.definitions
    fragments = {fragment.name.value: fragment}
    proposals = operation.selection_set.selections[0].selection_set.selections[0]
    assert optimizer_cache.variables_used([proposals], fragments) == ("a", "b", "d")
    assert optimizer_cache.variables_used(operation.selection_set.selections, fragments) == (
        "a",
        "b",
        "c",
        "d",
    )


def test_the_optimizer_walks_through_the_cache() -> None:
    """An upgrade that renames the hook would silently bypass the cache."""
    import strawberry_django.optimizer as strawberry_optimizer

    import graph.schema  # noqa: F401  (installs it)

    assert strawberry_optimizer._get_model_hints is optimizer_cache.model_hints
    assert optimizer_cache._compute.__module__ == "strawberry_django.optimizer"
