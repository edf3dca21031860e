"""Compiled SQL kept per exact query (perf/db/statement_cache.py).

The whole suite runs with SQL_STATEMENT_CACHE=verify (tests/conftest.py): every hit is compiled
again and compared. These tests pin what the key must tell apart and what is never cached.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import TruncDate
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from participation.models import Comment, Proposal
from perf.db import statement_cache
from perf.db.statement_cache import StatementCacheMismatch, statements

pytestmark = pytest.mark.django_db


def counted(run):
    """(result, hits, misses) of running `run`.

    The first compile of a new shape may miss twice: Django caches a few properties on the
    column objects its fields share (`contains_aggregate`...), which changes their pickle once."""
    hits, misses = statements.hits, statements.misses
    result = run()
    return result, statements.hits - hits, statements.misses - misses


def test_the_same_query_compiles_once_and_answers_the_same(rows):
    def titles():
        return list(Proposal.objects.filter(title="ข้อเสนอแรก").values_list("title", flat=True))

    warm = titles()
    first, _, _ = counted(titles)
    again, hits, misses = counted(titles)
    assert warm == first == again == ["ข้อเสนอแรก"]
    assert (hits, misses) == (1, 0)


def test_other_values_of_the_same_shape_are_parameters_of_one_statement(rows):
    def by_title(title):
        return list(Proposal.objects.filter(title=title).values_list("pk", flat=True))

    by_title("warm-up")
    assert counted(lambda: by_title("ข้อเสนอแรก")) == ([rows["first"].pk], 1, 0)
    assert counted(lambda: by_title("ข้อเสนอที่สอง")) == ([rows["second"].pk], 1, 0)
    assert counted(lambda: by_title("none of them")) == ([], 1, 0)


def test_a_viewer_and_a_row_named_in_one_statement_are_bound_each_in_its_place(rows):
    """The write path's shape: a row by its id, and the viewer's id in two places."""
    first, second = rows["first"], rows["second"]

    def visible_to(author_id, pk):
        return list(
            Proposal.objects.filter(pk=pk)
            .filter(Q(is_hidden=False) | Q(author_id=author_id))
            .filter(Q(consultation_id__gte=0) | Q(author_id=author_id))
            .values_list("pk", flat=True)
        )

    visible_to(0, 0)
    assert counted(lambda: visible_to(first.author_id, first.pk)) == ([first.pk], 1, 0)
    assert counted(lambda: visible_to(second.author_id, second.pk)) == ([second.pk], 1, 0)
    Proposal.objects.filter(pk=second.pk).update(is_hidden=True)
    someone_else = second.author_id + 1000
    assert counted(lambda: visible_to(someone_else, second.pk)) == ([], 1, 0)
    assert counted(lambda: visible_to(second.author_id, second.pk)) == ([second.pk], 1, 0)


def test_booleans_and_nulls_stay_in_the_key(rows):
    """`= false` compiles to NOT column, `= None` to IS NULL: other statements, not values."""
    Proposal.objects.filter(pk=rows["second"].pk).update(is_hidden=True)

    def hidden(flag):
        return sorted(Proposal.objects.filter(is_hidden=flag).values_list("pk", flat=True))

    assert hidden(True) == [rows["second"].pk]
    assert hidden(False) == [rows["first"].pk]
    assert list(Comment.objects.filter(parent=None).values_list("pk", flat=True))
    assert hidden(True) == [rows["second"].pk]


def test_an_integer_out_of_a_columns_range_is_its_own_statement(rows):
    """Django compiles a value no column of the type can hold to "no rows"."""

    def with_supports(n):
        return list(Proposal.objects.filter(support_count=n).values_list("pk", flat=True))

    assert sorted(with_supports(0)) == sorted([rows["first"].pk, rows["second"].pk])
    assert with_supports(2**40) == []
    assert with_supports(-(2**40)) == []
    assert len(with_supports(0)) == 2


def test_a_shape_whose_values_cannot_be_placed_is_never_cached(rows, monkeypatch):
    statements.clear()
    monkeypatch.setattr(statement_cache, "_positions", lambda *args: None)

    def titled(title):
        return list(Proposal.objects.filter(title=title).values_list("pk", flat=True))

    assert titled("ข้อเสนอแรก") == [rows["first"].pk]
    assert counted(lambda: titled("ข้อเสนอที่สอง")) == ([rows["second"].pk], 0, 0)
    statements.clear()


def test_a_parent_row_in_the_filter_keys_by_its_unique_columns(rows):
    """A related manager filters by its parent row; each parent gets its own statement."""
    for name in ("first", "second", "first"):
        bodies = [c.body for c in rows[name].comments.all()]
        assert bodies == [rows["comments"][name].body]


def test_a_parent_rows_other_state_does_not_change_the_key(rows):
    proposal = Proposal.objects.get(pk=rows["first"].pk)
    list(proposal.comments.all())
    proposal.title = "แก้ไขแล้ว"  # not a unique column: the statement is the same
    proposal.__dict__["_loaded_with"] = [proposal, rows["second"]]
    _, hits, misses = counted(lambda: list(proposal.comments.all()))
    assert (hits, misses) == (1, 0)


def test_an_annotation_made_per_request_still_hits(rows):
    """An output_field built per request carries a new creation counter each time."""

    def annotated():
        newest = Comment.objects.filter(proposal=OuterRef("pk")).values("pk")[:1]
        return list(
            Proposal.objects.annotate(
                newest=Subquery(newest, output_field=IntegerField()),
                n=Count("comments"),
                one=Value(1, output_field=IntegerField()),
            )
            .order_by("pk")
            .values_list("newest", "n", "one")
        )

    warm = annotated()
    first, _, _ = counted(annotated)
    again, hits, misses = counted(annotated)
    assert warm == first == again
    assert (hits, misses) == (1, 0)


def test_the_active_time_zone_is_part_of_the_key(rows):
    def days():
        return list(Comment.objects.annotate(day=TruncDate("created_at")).values_list("day"))

    with timezone.override("UTC"):
        _, _, misses_utc = counted(days)
    with timezone.override("Asia/Bangkok"):
        _, hits, misses_bangkok = counted(days)
    assert misses_utc + misses_bangkok == 2 and hits == 0


def test_select_for_update_is_cached_inside_a_transaction_only(rows):
    """Compiling it outside a transaction raises (where the database locks rows); inside one
    its SQL depends only on the query, whose lock options are part of the key."""
    pk = rows["first"].pk
    shapes = {
        "plain": Proposal.objects.select_for_update(),
        "nowait": Proposal.objects.select_for_update(nowait=True),
        "skip": Proposal.objects.select_for_update(skip_locked=True),
        "of": Proposal.objects.select_for_update(of=("self",)),
    }
    sql = {}
    for name, queryset in shapes.items():
        locked = queryset.filter(pk=pk)
        with transaction.atomic():
            list(locked.all())  # the first compile of the shape
            found, hits, misses = counted(lambda locked=locked: [p.pk for p in locked.all()])
            sql[name] = str(locked.query)
        assert found == [pk]
        assert (hits, misses) == (1, 0), name
    if connection.features.has_select_for_update:
        assert len(set(sql.values())) == len(shapes)  # each option its own statement


def test_select_for_update_outside_a_transaction_always_compiles(monkeypatch):
    locked = Proposal.objects.select_for_update().filter(pk=1)
    with transaction.atomic():
        list(locked.all())
        list(locked.all())  # cached inside
    # Outside any transaction, as a request in autocommit mode runs (the test itself runs in
    # one; a transactional test would flush the database for the tests after it).
    monkeypatch.setattr(connection, "get_autocommit", lambda: True)
    for _ in range(2):
        answer, hits, misses = counted(lambda: list_or_refusal(locked))
        assert (hits, misses) == (0, 0)
        if connection.features.has_select_for_update:
            assert answer == "TransactionManagementError"
        else:
            assert answer == []


def list_or_refusal(queryset) -> list | str:
    try:
        return list(queryset.all())
    except TransactionManagementError as error:
        return type(error).__name__


def test_counts_and_exists_go_through_the_cache_correctly(rows):
    for _ in range(2):
        assert Comment.objects.filter(proposal=rows["first"]).count() == 1
        assert Comment.objects.filter(proposal=rows["second"]).exists()
        assert not Comment.objects.filter(body="ไม่มี").exists()


def test_off_keeps_nothing(rows, settings):
    settings.SQL_STATEMENT_CACHE = "off"
    _, hits, misses = counted(lambda: list(Proposal.objects.filter(title="ปิด")))
    assert (hits, misses) == (0, 0)


def test_verify_catches_a_key_that_is_not_exact(rows, settings, monkeypatch):
    settings.SQL_STATEMENT_CACHE = "verify"
    real = statement_cache.statement_key

    def one_key_for_all(compiler):
        key, bound = real(compiler)
        return (*key[:-1], b"the same for every query"), bound

    monkeypatch.setattr(statement_cache, "statement_key", one_key_for_all)
    list(Proposal.objects.filter(title="ก"))
    with pytest.raises(StatementCacheMismatch):
        list(Proposal.objects.filter(body="ข"))
    statements.clear()


def test_the_suite_runs_in_verify_mode():
    from django.conf import settings

    assert settings.SQL_STATEMENT_CACHE == "verify"


def test_only_plain_values_against_plain_columns_are_bound():
    """A field subclass may prepare values its own way; a bool or None changes the SQL."""
    from django.db.models.expressions import Col
    from django.db.models.lookups import Exact, GreaterThan
    from django.utils.safestring import mark_safe
    from wagtail.fields import RichTextField

    from cms.models import ConsultationPage

    def col(model, name):
        return Col("t", model._meta.get_field(name))

    assert statement_cache.bindable(Exact(col(Proposal, "title"), "ทางจักรยาน"))
    assert statement_cache.bindable(Exact(col(Comment, "proposal"), 7))
    assert statement_cache.bindable(GreaterThan(col(Proposal, "support_count"), 3))
    assert statement_cache.bindable(Exact(col(ConsultationPage, "page_ptr"), 7))
    assert not statement_cache.bindable(Exact(col(Proposal, "is_hidden"), True))
    assert not statement_cache.bindable(Exact(col(Proposal, "title"), mark_safe("ทาง")))
    rich = RichTextField()
    rich.set_attributes_from_name("intro")
    assert not statement_cache.bindable(Exact(Col("t", rich), "<p>สรุป</p>"))


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="only PostgreSQL takes the list as one parameter"
)
def test_any_of_lists_of_any_length_are_parameters_of_one_statement(rows):
    """The comment pages of every list of proposals: one statement (perf/db/any_of.py)."""
    first, second = rows["comments"]["first"], rows["comments"]["second"]

    def of(proposals):
        return sorted(
            Comment.objects.filter(proposal_id__any_of=proposals).values_list("pk", flat=True)
        )

    of([0])
    assert counted(lambda: of([first.proposal_id])) == ([first.pk], 1, 0)
    both = [first.proposal_id, second.proposal_id]
    assert counted(lambda: of(both)) == (sorted([first.pk, second.pk]), 1, 0)
    assert counted(lambda: of([10**9, second.proposal_id])) == ([second.pk], 1, 0)


def test_any_of_lists_stay_in_the_key_where_their_length_is_in_the_sql(rows, monkeypatch):
    """Elsewhere (and for anything but a list of integers) the values are part of the key."""
    from django.db.models.expressions import Col

    from perf.db.any_of import AnyOf

    lookup = AnyOf(Col("t", Comment._meta.get_field("proposal")), [1, 2])
    monkeypatch.setattr(statement_cache._pickling, "vendor", "sqlite", raising=False)
    assert not statement_cache.bindable(lookup)
    monkeypatch.setattr(statement_cache._pickling, "vendor", "postgresql")
    assert statement_cache.bindable(lookup)
    # Strings go into the key: a text column's list (only integer lists are bound).
    assert not statement_cache.bindable(AnyOf(Col("t", Proposal._meta.get_field("title")), ["ก"]))
