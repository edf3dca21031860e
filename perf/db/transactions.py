"""Service transactions, and callers that roll back whole.

Every service is atomic on its own, so a caller that catches a refusal inside its own
transaction (the admin, the demo seed, tests) can go on: each nested service gets a savepoint.
A GraphQL mutation never goes on: any exception rolls its whole transaction back
(`whole_transaction`), so there a savepoint protects nothing and `service_atomic` joins the
transaction without one. A row read `FOR UPDATE` inside such a block stays locked until it
ends, so a service that would lock it again can take it as it is (`locking`, `locked_here`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.db import transaction
from django.db.models import Model, QuerySet

from perf.switches import active

P = ParamSpec("P")
T = TypeVar("T")

# The innermost whole transaction's token (None outside one): rows locked in it carry it.
_WHOLE: ContextVar[object | None] = ContextVar("ruamkhid_whole_transaction", default=None)
_LOCKED_IN = "_ruamkhid_locked_in"
M = TypeVar("M", bound=Model)


@contextmanager
def whole_transaction() -> Iterator[None]:
    """A transaction that any exception leaving the block rolls back entirely.

    Only for callers that never catch an error inside the block and go on querying."""
    marked = _WHOLE.set(object())
    try:
        with transaction.atomic():
            yield
    finally:
        _WHOLE.reset(marked)


def joins_whole_transaction() -> bool:
    """Inside `whole_transaction` (and still inside its atomic block)."""
    return (
        _WHOLE.get() is not None
        and transaction.get_connection().in_atomic_block
        and active("transactions")
    )


def savepoint_unless_whole() -> transaction.Atomic:
    """An atomic block: a savepoint, or (inside `whole_transaction`) simply joining it."""
    return transaction.atomic(savepoint=not joins_whole_transaction())


def service_atomic(func: Callable[P, T]) -> Callable[P, T]:
    """`transaction.atomic` for a service, without a savepoint inside `whole_transaction`."""

    @wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        with savepoint_unless_whole():
            return func(*args, **kwargs)

    return run


def locking(queryset: QuerySet[M]) -> QuerySet[M]:
    """Inside `whole_transaction`, the queryset read `FOR UPDATE` of its own rows (the joined
    rows stay unlocked); elsewhere unchanged, since a lock would end with the statement."""
    if not joins_whole_transaction():
        return queryset
    features = transaction.get_connection(queryset.db).features
    of = ("self",) if features.has_select_for_update_of else ()
    return queryset.select_for_update(of=of)


def _lock_scope() -> tuple:
    """The whole transaction running now and its open savepoints: a lock taken inside a
    savepoint ends early if that savepoint is rolled back."""
    return (_WHOLE.get(), tuple(transaction.get_connection().savepoint_ids))


def mark_locked(row: M) -> M:
    """Remember that `row` was read by `locking(...)` in the current whole transaction."""
    if joins_whole_transaction():
        setattr(row, _LOCKED_IN, _lock_scope())
    return row


def locked_here(row: Any) -> bool:
    """Whether `row` was read under its lock in the whole transaction running now, in no
    savepoint that has ended since (not in an earlier transaction, nor in an inner block
    whose rollback may have released it)."""
    marked = getattr(row, _LOCKED_IN, None)
    if marked is None or not joins_whole_transaction():
        return False
    token, savepoints = _lock_scope()
    return marked[0] is token and savepoints[: len(marked[1])] == marked[1]
