"""Service transactions, and callers that roll back whole.

Every service is atomic on its own ("raises having written nothing"), so a caller that catches a
refusal inside its own transaction (the Wagtail admin's views, the demo seed, tests) can go on:
Django gives each nested service a savepoint. A GraphQL mutation never goes on: any exception
leaving its action rolls the whole transaction back (`graph.mutations.attempt`). Inside such a
block a savepoint protects nothing, and each costs two round trips (SAVEPOINT, RELEASE): four of
the benchmark support's fifteen statements (bench/PROFILE.md, session 7). `whole_transaction`
marks such a block; `service_atomic` joins it without a savepoint and keeps one everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import ParamSpec, TypeVar

from django.db import transaction

P = ParamSpec("P")
T = TypeVar("T")

_WHOLE: ContextVar[bool] = ContextVar("ruamkhid_whole_transaction", default=False)


@contextmanager
def whole_transaction() -> Iterator[None]:
    """A transaction that any exception leaving the block rolls back entirely.

    Only for callers that never catch an error inside the block and go on querying."""
    marked = _WHOLE.set(True)
    try:
        with transaction.atomic():
            yield
    finally:
        _WHOLE.reset(marked)


def joins_whole_transaction() -> bool:
    """Inside `whole_transaction` (and still inside its atomic block)."""
    return _WHOLE.get() and transaction.get_connection().in_atomic_block


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
