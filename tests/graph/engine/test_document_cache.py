"""Parsed documents and clean validations are reused, never at the cost of a limit."""

from __future__ import annotations

import pytest
import strawberry.schema.schema as strawberry_schema

from graph.engine import document_cache
from perf.lru import Lru

pytestmark = pytest.mark.django_db

AGENCIES = "query Agencies($n: Int) { agencies(first: $n) { edges { node { slug } } } }"
DEEP = "{ agencies { edges { node { consultations { edges { node { title } } } } } } }"


@pytest.fixture
def counted(monkeypatch):
    """Counts graphql-core parse and validate calls made by strawberry."""
    calls = {"parse": 0, "validate": 0}
    parse, validate = strawberry_schema.parse, strawberry_schema.validate

    def counting_parse(*args, **kwargs):
        calls["parse"] += 1
        return parse(*args, **kwargs)

    def counting_validate(*args, **kwargs):
        calls["validate"] += 1
        return validate(*args, **kwargs)

    monkeypatch.setattr(strawberry_schema, "parse", counting_parse)
    monkeypatch.setattr(strawberry_schema, "validate", counting_validate)
    document_cache.parsed.clear()
    document_cache.validated.clear()
    return calls


def test_a_repeated_query_is_parsed_and_validated_once(gql, agency_a, counted):
    first = gql.ok(AGENCIES, {"n": 5})
    again = gql.ok(AGENCIES, {"n": 5})
    assert first == again == {"agencies": {"edges": [{"node": {"slug": "agency-a"}}]}}
    assert counted == {"parse": 1, "validate": 1}


def test_other_variables_are_validated_again(gql, agency_a, counted, settings):
    """The cost rule reads `first` from the variables: a clean validation of n=1 says
    nothing about n=100."""
    settings.GRAPHQL = {**settings.GRAPHQL, "MAX_COST": 30}
    gql.ok(AGENCIES, {"n": 1})
    refused = gql.execute(AGENCIES, {"n": 100})
    assert refused.codes == ["QUERY_TOO_COSTLY"]
    assert counted == {"parse": 1, "validate": 2}


def test_a_changed_limit_is_applied_to_a_cached_document(gql, agency_a, counted, settings):
    gql.ok(DEEP)
    settings.GRAPHQL = {**settings.GRAPHQL, "MAX_DEPTH": 3}
    assert gql.execute(DEEP).codes == ["QUERY_REJECTED"]
    settings.GRAPHQL = {**settings.GRAPHQL, "MAX_TOKENS": 5}
    assert gql.execute(DEEP).codes == ["QUERY_REJECTED"]  # parsed again, under the new limit


def test_refused_documents_are_never_cached(gql, counted):
    for _ in range(2):
        assert gql.execute("{ agencies { nope } }").codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert counted["validate"] == 2
    assert len(document_cache.validated) == 0


def test_mutations_are_validated_once_whatever_their_ids_and_texts(gql, agency_a, counted):
    """Only integer variables can change a validation (the cost rule's page sizes): a
    mutation's ids and texts, new on every request, do not make it validate again."""
    document = "mutation S($id: ID!) { supportProposal(id: $id) { errors { code } } }"
    for pk in range(3):
        gql.execute(document, {"id": f"UHJvcG9zYWw6{pk}"})
    named = "query A($slug: String!) { agency(slug: $slug) { slug } }"
    gql.ok(named, {"slug": "agency-a"})
    gql.ok(named, {"slug": "nope"})
    assert counted["validate"] == 2


def test_the_maps_are_bounded_least_recently_used_first():
    lru = Lru(2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1  # "a" is now the most recent
    lru.put("c", 3)
    assert lru.get("b") is None
    assert (lru.get("a"), lru.get("c"), len(lru)) == (1, 3, 2)
