"""A whole selection of plain fields completed by one call per object.

After session 6 the fast executor's own loop was the largest single cost left in the benchmark's
Q1 (bench/PROFILE.md, session 7): about 900 objects a request (50 comment connections, 250
edges, 250 comments, 300 authors), each through graphql-core's `collect_and_execute_subfields`,
a `Path` per list item and object field, the per-request plan lookup of its selection and a
dict per object. When every field of a selection has a fast plan that reads its row only
(graph.engine.executor: a column, a relay id, a resolver of the row, `__typename`) and so does every
selection below it, the answer for one object is a pure function of the row. `completer` builds
that function once per request and selection; the executor calls it and, when it refuses (see
`Refused`) or a read raises, completes the object through its general path instead, which then
reads, raises, nulls and reports exactly as graphql-core does. The reads a plan allows depend on
the row alone and change nothing, so a refused object is simply read again. Not used under
@defer (graphql-core's incremental delivery keeps its own bookkeeping).
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
