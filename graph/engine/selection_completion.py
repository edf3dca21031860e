"""A whole selection of plain fields completed by one call per object.

When every field of a selection, and of every selection below it, reads its row only (see
graph.engine.executor), an object's answer is a pure function of the row: `completer` builds
that function once per request and selection. When it refuses (`Refused`) or a read raises,
the executor completes the object through its general path, which reads, raises, nulls and
reports exactly as graphql-core does. Not used under @defer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql.pyutils import Undefined

Completer = Callable[[Any], dict[str, Any]]
# (row, answer so far) -> None: adds one field of the selection to the answer.
Step = Callable[[Any, dict[str, Any]], None]


class Refused(Exception):
    """A value the one-call completion does not answer: a null for a non-null type, an object
    of another type, a value its scalar cannot serialise, anything but a list for a list.
    graphql-core's path completes the object instead (and reports the error, if it is one)."""


def typename_step(name: str, type_name: str) -> Step:
    def step(row: Any, answer: dict[str, Any]) -> None:
        answer[name] = type_name

    return step


def _field_step(
    name: str, read: Callable[[Any], Any], non_null: bool, finish: Callable[[Any], Any]
) -> Step:
    """Read the field; null where the type allows it, else `finish` the value."""

    def step(row: Any, answer: dict[str, Any]) -> None:
        value = read(row)
        if value is None or value is Undefined:
            if non_null:
                raise Refused
            answer[name] = None
            return
        answer[name] = finish(value)

    return step


def leaf_step(name: str, plan: Any) -> Step:
    """`plan`: the field's graph.engine.executor.FieldPlan, as for the two below."""
    serialize = plan.leaf.coerce_output_value

    def finish(value: Any) -> Any:
        value = serialize(value)
        if value is None or value is Undefined:
            raise Refused
        return value

    return _field_step(name, plan.read, plan.non_null, finish)


def object_step(name: str, plan: Any, complete: Completer) -> Step:
    is_type = plan.is_type

    def finish(value: Any) -> dict[str, Any]:
        if is_type is not None and not is_type(value):
            raise Refused
        return complete(value)

    return _field_step(name, plan.read, plan.non_null, finish)


def list_step(name: str, plan: Any, complete: Completer) -> Step:
    is_type = plan.is_type
    item_non_null = plan.item_non_null

    def finish(items: Any) -> list[Any]:
        if not isinstance(items, list | tuple):
            raise Refused
        completed = []
        for item in items:
            if item is None:
                if item_non_null:
                    raise Refused
                completed.append(None)
            elif is_type is not None and not is_type(item):
                raise Refused
            else:
                completed.append(complete(item))
        return completed

    return _field_step(name, plan.read, plan.non_null, finish)


def completer(steps: list[Step]) -> Completer:
    """The answer for one object: its fields in document order."""

    def complete(row: Any) -> dict[str, Any]:
        answer: dict[str, Any] = {}
        for step in steps:
            step(row, answer)
        return answer

    return complete
