"""Rows built without Model.__init__ are the rows Django would build (perf/db/row_loading.py)."""

from __future__ import annotations

import pytest
from django.db.models.signals import post_init, pre_init
from wagtail.images import get_image_model

from accounts.models import User
from participation.models import Comment
from perf.db.row_loading import has_plain_columns

pytestmark = pytest.mark.django_db


@pytest.fixture
def comment(rows):
    return rows["comments"]["first"]


def django_built(queryset):
    """The same rows through Django's own from_db: a post_init listener forces it."""
    received = []

    def listener(sender, instance, **kwargs):
        received.append(instance)

    post_init.connect(listener, sender=Comment)
    post_init.connect(listener, sender=User)
    try:
        rows = list(queryset.all())
    finally:
        post_init.disconnect(listener, sender=Comment)
        post_init.disconnect(listener, sender=User)
    assert received  # the listener did run: Django's path
    return rows


def snapshot(row) -> dict:
    values = {k: v for k, v in row.__dict__.items() if k != "_state"}
    state = row._state
    return {
        "values": values,
        "adding": state.adding,
        "db": state.db,
        "deferred": row.get_deferred_fields(),
        "related": {k: snapshot(v) for k, v in state.fields_cache.items() if v is not None},
    }


@pytest.mark.parametrize(
    "shape",
    [
        lambda qs: qs,
        lambda qs: qs.select_related("author"),
        lambda qs: qs.only("id", "body", "proposal_id", "author").select_related("author"),
        lambda qs: qs.select_related("author").only("body", "author__display_name"),
        lambda qs: qs.defer("body"),
    ],
    ids=["whole", "with-author", "only", "only-author-fields", "defer"],
)
def test_fast_rows_equal_djangos_rows(comment, shape):
    queryset = shape(Comment.objects.filter(pk=comment.pk))
    (fast,) = list(queryset.all())
    (slow,) = django_built(queryset)
    assert snapshot(fast) == snapshot(slow)
    assert fast == slow


def test_a_fast_row_loads_deferred_columns_and_saves_as_an_update(comment):
    row = Comment.objects.only("id").get(pk=comment.pk)
    assert row.get_deferred_fields() >= {"body", "author_id"}
    assert row.body == "ความเห็นของข้อแรก"  # loaded on access
    row.body = "แก้ไขแล้ว"
    row.save(update_fields=["body"])
    assert Comment.objects.count() == 2  # an update, not a new row
    assert Comment.objects.get(pk=comment.pk).body == "แก้ไขแล้ว"


def test_models_with_working_descriptors_keep_djangos_path():
    assert has_plain_columns(Comment) and has_plain_columns(User)
    assert not has_plain_columns(get_image_model())  # its file column's descriptor does work


def test_a_listener_connected_after_fast_loads_is_heard_at_once(comment):
    """The fast path reads the signals' per-sender cache; connecting a listener clears it, so
    the very next row goes through Django's path, and disconnecting returns to the fast one."""
    queryset = Comment.objects.filter(pk=comment.pk)
    list(queryset.all())  # the cache now says: nobody listens to Comment
    heard = []

    def listener(sender, **kwargs):
        heard.append(sender)

    for signal in (pre_init, post_init):
        signal.connect(listener, sender=Comment)
        try:
            list(queryset.all())
        finally:
            signal.disconnect(listener, sender=Comment)
        assert heard, signal
        heard.clear()
        list(queryset.all())
        assert not heard  # disconnected: nothing runs


def test_rows_loaded_in_a_siblings_scope_forget_their_list_when_it_ends(rows):
    """Inside (a GraphQL execution) a row knows its list; after, reference counting can free
    it (no cycle through the list); outside any scope rows keep it."""
    from participation.models import Proposal
    from perf.db.row_loading import loaded_with, siblings_scope

    with siblings_scope():
        inside = list(Proposal.objects.order_by("pk"))
        assert loaded_with(inside[0]) == inside
    assert loaded_with(inside[0]) == [inside[0]]
    assert "_loaded_with" not in inside[1].__dict__
    outside = list(Proposal.objects.order_by("pk"))
    assert loaded_with(outside[0]) == outside
