"""`field__any_of=[...]` (perf/db/any_of.py): `__in`'s rows, as one array parameter on
PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from participation.models import Comment, Proposal

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the array parameter is PostgreSQL's"
)


def ids(queryset) -> list[int]:
    return sorted(queryset.values_list("pk", flat=True))


def test_it_matches_what_in_matches(rows):
    first, second = rows["first"], rows["second"]
    for wanted in ([first.pk], [first.pk, second.pk], [second.pk, 10**9]):
        assert ids(Proposal.objects.filter(pk__any_of=wanted)) == ids(
            Proposal.objects.filter(pk__in=wanted)
        )
        # A foreign key column, as the comment pages filter it.
        assert ids(Comment.objects.filter(proposal_id__any_of=wanted)) == ids(
            Comment.objects.filter(proposal_id__in=wanted)
        )
    assert ids(Comment.objects.filter(proposal_id__any_of=(first.pk,))) == [
        rows["comments"]["first"].pk
    ]


def test_an_empty_list_matches_nothing_without_a_query(rows):
    with CaptureQueriesContext(connection) as queries:
        assert list(Proposal.objects.filter(pk__any_of=[])) == []
    assert len(queries) == 0


@pytest.mark.parametrize("value", [7, "ข้อเสนอ", None])
def test_a_value_that_is_not_a_list_is_refused(value):
    with pytest.raises(TypeError, match="any_of takes a list"):
        Proposal.objects.filter(pk__any_of=value)


def test_each_value_is_prepared_by_the_column(rows):
    """Strings of digits are ids, as `__in` reads them."""
    assert ids(Proposal.objects.filter(pk__any_of=[str(rows["first"].pk)])) == [rows["first"].pk]


def sql_of(queryset) -> tuple[str, tuple]:
    with CaptureQueriesContext(connection) as queries:
        list(queryset)
    return queries[0]["sql"], queries


@on_postgresql
def test_postgresql_gets_one_array_parameter_whatever_the_length(rows):
    pks = [rows["first"].pk, rows["second"].pk]
    one, _ = sql_of(Proposal.objects.filter(pk__any_of=pks[:1]))
    both, _ = sql_of(Proposal.objects.filter(pk__any_of=pks))
    assert '"participation_proposal"."id" = ANY(' in one and "::bigint[])" in one
    assert " IN (" not in one
    assert one.split("ANY(")[0] == both.split("ANY(")[0]


@pytest.mark.skipif(connection.vendor == "postgresql", reason="other databases' form")
def test_other_databases_get_an_in_list(rows):
    sql, _ = sql_of(Proposal.objects.filter(pk__any_of=[rows["first"].pk, rows["second"].pk]))
    assert '"participation_proposal"."id" IN (' in sql
