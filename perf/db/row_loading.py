"""How model rows come out of the database: built from their columns, knowing their list.

`BuiltFromColumns`: Django builds each row through `Model.__init__` (signal dispatches and a
descriptor per column). For a model whose columns are plain descriptors and that nobody
listens to at `pre_init`/`post_init`, the finished row is its column values in `__dict__` plus
a loaded `ModelState`, which `from_db` builds directly; anything else goes through Django.

`ListAware`: a field below a list resolves one row at a time; to load it for the whole list
with one statement, the first row must know the others, so every row of a result gets the
result list (`loaded_with`). Inside `siblings_scope()` (one GraphQL execution) rows forget
their list when the scope ends, so reference counting, not the cycle collector, frees them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from inspect import getattr_static
from typing import Any, Self

from django.db import models
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init
from django.dispatch.dispatcher import NO_RECEIVERS

from perf.switches import active

PLAIN_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute)

SIBLINGS_ATTR = "_loaded_with"

_PLAIN: dict[type, bool] = {}


def has_plain_columns(model: type[models.Model]) -> bool:
    """No custom __init__, and assigning any column only stores it (checked once per model)."""
    plain = _PLAIN.get(model)
    if plain is None:
        plain = model.__init__ is models.Model.__init__ and all(
            type(getattr_static(model, field.attname, None)) in PLAIN_DESCRIPTORS
            for field in model._meta.concrete_fields
        )
        _PLAIN[model] = plain
    return plain


_INIT_SIGNALS = (pre_init, post_init)


def _unheard(model: type[models.Model]) -> bool:
    """No pre_init/post_init listener for `model`.

    The probe `Signal.send` itself uses, cheaper than `has_listeners` once per row: the
    per-sender cache says NO_RECEIVERS (connecting or disconnecting any receiver clears it).
    A miss asks `has_listeners`, which refills it."""
    for signal in _INIT_SIGNALS:
        if signal.sender_receivers_cache.get(model) is not NO_RECEIVERS and signal.has_listeners(
            model
        ):
            return False
    return True


class BuiltFromColumns(models.Model):
    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db: str | None, field_names: Sequence[str], values: Sequence[Any]) -> Self:
        if not (active("row_building") and _unheard(cls) and has_plain_columns(cls)):
            return super().from_db(db, field_names, values)
        row = cls.__new__(cls)
        state = ModelState()
        state.adding = False
        state.db = db
        row._state = state
        # field_names are the loaded columns' attnames, in the order of values (Django's
        # iterables pass them so); columns not among them stay deferred, as with only().
        row.__dict__.update(zip(field_names, values, strict=True))
        return row


_scoped_lists: ContextVar[list[list[Any]] | None] = ContextVar("sibling_lists", default=None)


@contextmanager
def siblings_scope() -> Iterator[None]:
    """Rows loaded together inside know their list until the scope ends, then forget it."""
    lists: list[list[Any]] = []
    token = _scoped_lists.set(lists)
    try:
        yield
    finally:
        _scoped_lists.reset(token)
        for rows in lists:
            for row in rows:
                row.__dict__.pop(SIBLINGS_ATTR, None)


class ListAware:
    """QuerySet mixin: every model row of a result knows the result list."""

    def _fetch_all(self) -> None:
        fresh = self._result_cache is None  # type: ignore[attr-defined]
        super()._fetch_all()  # type: ignore[misc]
        results = self._result_cache  # type: ignore[attr-defined]
        if fresh and results and isinstance(results[0], models.Model) and active("list_loading"):
            for row in results:
                row.__dict__[SIBLINGS_ATTR] = results
            scoped = _scoped_lists.get()
            if scoped is not None:
                scoped.append(results)


def loaded_with(row: Any) -> list[Any]:
    """The rows `row` was loaded together with (itself alone if loaded singly)."""
    return getattr(row, "__dict__", {}).get(SIBLINGS_ATTR) or [row]
