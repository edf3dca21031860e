"""What every mutation shares: typed errors in the payload, one transaction, id decoding."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import strawberry
from strawberry.relay import GlobalID, GlobalIDValueError

from accounts.services import AccountError
from participation.refusals import Code, Refused
from perf.db.transactions import whole_transaction

T = TypeVar("T")


@strawberry.type(description="Why a mutation changed nothing: a stable code, a message, a field.")
class MutationError:
    code: str
    message: str
    field: str | None = strawberry.field(description="The input field at fault (camelCase).")


def error_of(exc: Refused | AccountError) -> MutationError:
    code = exc.code.value if isinstance(exc, Refused) else exc.code
    return MutationError(code=code, message=str(exc.message), field=exc.field)


def attempt(action: Callable[[], T]) -> tuple[T | None, list[MutationError]]:
    """Run `action` in one transaction; a refusal rolls everything back and becomes an error.

    Nothing inside catches an error and goes on, so the services join the transaction without
    savepoints of their own (perf.db.transactions)."""
    try:
        with whole_transaction():
            return action(), []
    except (Refused, AccountError) as exc:
        return None, [error_of(exc)]


def decode_id(value: str | strawberry.ID, type_names: set[str], field: str) -> tuple[str, int]:
    """(type name, primary key) of a global id of one of `type_names`, else Refused."""
    try:
        global_id = GlobalID.from_id(str(value))
    except (GlobalIDValueError, ValueError, TypeError, UnicodeDecodeError):
        raise Refused(Code.INVALID_INPUT, "Not a valid id.", field) from None
    if global_id.type_name not in type_names:
        expected = " or ".join(sorted(type_names))
        raise Refused(Code.INVALID_INPUT, f"Expected the id of a {expected}.", field)
    node_id = global_id.node_id
    if not node_id.isdigit() or len(node_id) > 18:
        raise Refused(Code.NOT_FOUND, field=field)
    return global_id.type_name, int(node_id)
