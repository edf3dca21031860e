"""strawberry-django's optimizer hints for a selection, worked out once and reused.

On every resolution of a list field the optimizer walks the field's whole selection to find the
columns (`only`) and joins (`select_related`) the rows need: about 5 % of the benchmark's Q1 and
Q2 (bench/PROFILE.md, sessions 9 and 10). For the same selection of a cached document those
lists depend only on what the walk reads:

- the selection's syntax nodes (one parsed document serves every request, graph/document_cache),
  the fragments it spreads and the values of the variables used inside it (`@include(if: $x)`);
- the model, the strawberry type and its GraphQL type, the optimizer's configuration;
- the type names along the field's path (the walk adds the foreign keys of ancestors' models).

They are kept under exactly that key. A result holding anything else is never kept: a `Prefetch`
(its queryset is the related type's visibility rule, built for this viewer), an annotation or a
callable of `info`. Such a selection's hints are worked out afresh every time, as before.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

import strawberry_django.optimizer as strawberry_optimizer
from graphql import (
    FieldNode,
    FragmentSpreadNode,
    ListValueNode,
    Node,
    ObjectValueNode,
    ValueNode,
    VariableNode,
)
from strawberry_django.optimizer import OptimizerStore

from config.lru import Lru

SELECTIONS = 256  # selections kept (each entry holds its syntax nodes)
VALUES_PER_SELECTION = 16  # variable values kept per selection

_compute = strawberry_optimizer._get_model_hints
_NO_HINTS = object()  # the walk found nothing to optimise
_UNHASHABLE = object()

hints: Lru = Lru(SELECTIONS)


@dataclasses.dataclass(slots=True)
class _Selection:
    # Held so that the ids of the key stay theirs while the entry lives.
    held: tuple[Any, ...]
    variables: tuple[str, ...]
    stores: Lru


def _variables_of_value(value: ValueNode, names: set[str]) -> None:
    if isinstance(value, VariableNode):
        names.add(value.name.value)
    elif isinstance(value, ListValueNode):
        for item in value.values:
            _variables_of_value(item, names)
    elif isinstance(value, ObjectValueNode):
        for field in value.fields:
            _variables_of_value(field.value, names)


def variables_used(nodes: Iterable[Node], fragments: dict[str, Node]) -> tuple[str, ...]:
    """The variables any argument or directive of the selections uses, fragments followed."""
    names: set[str] = set()
    followed: set[str] = set()
    pending = list(nodes)
    while pending:
        node = pending.pop()
        for directive in getattr(node, "directives", None) or ():
            for argument in directive.arguments or ():
                _variables_of_value(argument.value, names)
        if isinstance(node, FieldNode):
            for argument in node.arguments or ():
                _variables_of_value(argument.value, names)
        elif isinstance(node, FragmentSpreadNode):
            name = node.name.value
            if name not in followed and name in fragments:
                followed.add(name)
                pending.append(fragments[name])
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None:
            pending.extend(selection_set.selections)
    return tuple(sorted(names))


def _frozen(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((key, _frozen(item)) for key, item in value.items()))
    hash(value)  # TypeError: not a value to key on
    return (type(value), value)


def _values_key(names: tuple[str, ...], values: dict[str, Any]) -> Any:
    try:
        return tuple(_frozen(values.get(name)) for name in names)
    except TypeError:
        return _UNHASHABLE


def _path_types(info: Any) -> tuple[str | None, ...]:
    found = []
    path = info.path
    while path is not None:
        found.append(path.typename)
        path = path.prev
    return tuple(found)


def reusable(store: OptimizerStore) -> bool:
    """Whether the hints are names only (nothing built for this request or viewer)."""
    return not store.annotate and all(type(p) is str for p in store.prefetch_related)


def _config_key(config: Any) -> tuple | None:
    if config is None:
        return None
    return tuple(getattr(config, field.name) for field in dataclasses.fields(config))


def model_hints(
    model: Any,
    schema: Any,
    object_definition: Any,
    *,
    parent_type: Any,
    info: Any,
    config: Any = None,
    prefix: str = "",
    cache: Any = None,
    level: int = 0,
    subclass_collection: Any = None,
) -> OptimizerStore | None:
    """`_get_model_hints` of strawberry-django, from the cache for a selection's whole walk."""
    if prefix or cache is not None or level or subclass_collection is not None:
        # A step inside the walk, or a walk that reports subclasses as it goes: as it is.
        return _compute(
            model,
            schema,
            object_definition,
            parent_type=parent_type,
            info=info,
            config=config,
            prefix=prefix,
            cache=cache,
            level=level,
            subclass_collection=subclass_collection,
        )
    nodes = tuple(info.field_nodes)
    key = (
        model,
        id(schema),
        id(object_definition),
        id(parent_type),
        tuple(map(id, nodes)),
        _config_key(config),
        _path_types(info),
    )
    selection = hints.get(key)
    if selection is None:
        selection = _Selection(
            held=(schema, object_definition, parent_type, nodes),
            variables=variables_used(nodes, info.fragments),
            stores=Lru(VALUES_PER_SELECTION),
        )
        hints.put(key, selection)
    values = _values_key(selection.variables, info.variable_values)
    if values is not _UNHASHABLE:
        kept = selection.stores.get(values)
        if kept is _NO_HINTS:
            return None
        if kept is not None:
            return kept.copy()
    store = _compute(
        model, schema, object_definition, parent_type=parent_type, info=info, config=config
    )
    if values is not _UNHASHABLE:
        if store is None:
            selection.stores.put(values, _NO_HINTS)
        elif reusable(store):
            selection.stores.put(values, store.copy())
    return store


def install() -> None:
    """Route the optimizer's top-level walks through the cache (idempotent)."""
    strawberry_optimizer._get_model_hints = model_hints
