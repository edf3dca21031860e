"""graph/engine/type_checks.py: the remembered class answers exactly what the type's own
check does."""

from __future__ import annotations

import strawberry
from graphql import GraphQLObjectType

from graph.engine import type_checks
from graph.engine.type_checks import depends_on_class_only, type_check
from graph.participation.types import CommentType, ProposalType
from graph.schema import schema
from participation.models import Comment, Proposal


def object_type(name: str) -> GraphQLObjectType:
    found = schema._schema.type_map[name]
    assert isinstance(found, GraphQLObjectType)
    return found


def test_every_checked_type_of_the_schema_is_answered_by_its_class() -> None:
    # An upgrade of strawberry(-django) that renames its generated checks would silently send
    # every object back through them: this names the types that lost the fast check.
    slow = [
        name
        for name, gql_type in schema._schema.type_map.items()
        if isinstance(gql_type, GraphQLObjectType)
        and gql_type.is_type_of is not None
        and not name.startswith("__")
        and not depends_on_class_only(gql_type.is_type_of)
    ]
    assert slow == []
    assert depends_on_class_only(object_type("Proposal").is_type_of)


def test_a_remembered_class_still_refuses_other_classes_and_casts() -> None:
    check = type_check(object_type("Proposal"))
    assert check is not None
    assert check(Proposal(title="ข้อเสนอ")) is True
    assert check(Proposal(title="ข้อเสนอที่สอง")) is True  # remembered
    assert check(Comment(body="ความเห็น")) is False
    # A proposal cast to another type is that type, whatever its class was accepted for.
    cast = strawberry.cast(CommentType, Proposal(title="ข้อเสนอ"))
    assert check(cast) is False
    assert type_check(object_type("Comment"))(cast) is True
    assert check(strawberry.cast(ProposalType, Comment(body="ความเห็น"))) is True
    assert check(object()) is False


def test_a_hand_written_check_is_asked_for_every_value() -> None:
    calls: list[object] = []

    def is_type_of(value: object, _info: object) -> bool:
        calls.append(value)
        return getattr(value, "ok", False)

    gql_type = GraphQLObjectType("HandWritten", {}, is_type_of=is_type_of)
    check = type_check(gql_type)
    assert check is not None

    class Row:
        def __init__(self, ok: bool) -> None:
            self.ok = ok

    assert [check(Row(True)), check(Row(False)), check(Row(True))] == [True, False, True]
    assert len(calls) == 3


def test_a_type_without_a_check_needs_none() -> None:
    assert type_check(GraphQLObjectType("Unchecked", {})) is None
    assert type_checks.type_check(object_type("Proposal")) is type_check(object_type("Proposal"))
