"""Execution that resolves trivial fields without the per-field machinery.

Profiling the benchmark's Q1 (bench/PROFILE.md) showed about 2,000 resolved fields per request
and nearly all of the time in the layers wrapped around each one: graphql-core's resolve info,
strawberry's argument conversion and extension chain, strawberry-django's resolver wrapper and
the optimizer's per-field middleware. For most of those fields the answer is one attribute of a
row that the field's list has already fetched through its type's `get_queryset` (the visibility
rule), e.g. a proposal's `title`, or a resolver that reads only its row, e.g. `body`.

`FastExecutionContext` resolves exactly those fields directly. A field qualifies (`plan_field`)
only when nothing could run around it:

- it takes no arguments, and has no field extensions (permission classes are extensions);
- it returns a scalar or enum, or an object type (lists, unions and interfaces never qualify:
  they go through graphql-core, the optimizer and `get_queryset` as before);
- its value is an attribute read (a plain model column on a Django type, any attribute on a
  plain strawberry type) or a resolver whose only parameters are `self`/`root`/`parent`, i.e.
  one that can depend on nothing but the row: never on the viewer, the request or arguments;
- a relay `id` of a Django type, which is the type name and the row's primary key.

Everything else — and any qualifying field whose fast read raises, returns null for a non-null
type, returns a queryset, or fails its type check — is executed by graphql-core exactly as
before, so errors, null propagation and masking are unchanged. The fast path is switched off
entirely when any schema extension other than the optimizer hooks into field resolution, since
such a hook would be skipped. Answers are identical with and without it (tests/graph/
test_execution.py compares them field for field).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from django.db.models import Model, QuerySet
from django.db.models.fields.files import FileDescriptor
from django.db.models.manager import BaseManager
from django.db.models.query_utils import DeferredAttribute
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
)
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry import relay
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.field import StrawberryField
from strawberry_django.optimizer import DjangoOptimizerExtension
from strawberry_django.relay.utils import resolve_model_id

_BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF
_FALLBACK = object()  # "let graphql-core execute this field"
_MISSING = object()


@dataclass(frozen=True, slots=True)
class FieldPlan:
    """How to read one field of one object type without the resolver stack."""

    read: Callable[[Any], Any]
    return_type: Any  # the field's declared GraphQL type, for error handling
    non_null: bool
    leaf: GraphQLScalarType | GraphQLEnumType | None
    object_type: GraphQLObjectType | None


def _unwrap(graphql_type: Any) -> tuple[Any, bool]:
    if isinstance(graphql_type, GraphQLNonNull):
        return graphql_type.of_type, True
    return graphql_type, False


def _definition(graphql_type: GraphQLObjectType) -> StrawberryObjectDefinition | None:
    definition = (graphql_type.extensions or {}).get(_BACKREF)
    return definition if isinstance(definition, StrawberryObjectDefinition) else None


def _is_django_type(origin: type) -> bool:
    return hasattr(origin, "__strawberry_django_definition__")


def _relay_id_reader(parent: GraphQLObjectType, origin: type) -> Callable[[Any], Any] | None:
    """`id` of a strawberry-django Node: GlobalID(parent type name, pk), as `Node._id` makes
    it for a model row when the type keeps the default typename and id resolution."""
    if not (isinstance(origin, type) and issubclass(origin, relay.Node)):
        return None
    resolve_id = getattr(origin, "resolve_id", None)
    if getattr(resolve_id, "__func__", None) is not resolve_model_id:
        return None
    if origin.resolve_typename.__func__ is not relay.Node.resolve_typename.__func__:
        return None
    type_name = parent.name

    def read(row: Any) -> Any:
        if not isinstance(row, Model):
            raise TypeError("not a model row")  # -> graphql-core's path
        return relay.GlobalID(type_name=type_name, node_id=str(resolve_id(row, info=None)))

    return read


def _resolver_reader(field: StrawberryField) -> Callable[[Any], Any] | None:
    """A resolver that can see nothing but its row."""
    resolver = field.base_resolver
    if resolver is None or resolver.is_async or resolver.arguments:
        return None
    if resolver.info_parameter is not None:
        return None
    reserved = {p for p in (resolver.root_parameter, resolver.parent_parameter) if p}
    others = set(resolver.signature.parameters.values()) - reserved
    if resolver.self_parameter is not None:
        others.discard(resolver.self_parameter)
    if others:
        return None
    if inspect.isgeneratorfunction(resolver._unbound_wrapped_func):
        return None
    pass_self = resolver.self_parameter is not None
    names = [p.name for p in reserved]

    def read(row: Any) -> Any:
        value = resolver(*((row,) if pass_self else ()), **dict.fromkeys(names, row))
        if isinstance(value, BaseManager | QuerySet) or inspect.isawaitable(value):
            raise TypeError("a list or an awaitable")  # -> graphql-core's path
        return value

    return read


def _attribute_reader(field: StrawberryField, origin: type, leaf: bool) -> Callable | None:
    """An attribute read: any attribute of a plain strawberry object; only a plain column
    (not a relation, file or lookup path) of a Django type."""
    if not _is_django_type(origin):
        name = field.python_name
        return lambda row: getattr(row, name)
    if not leaf:
        return None  # relations: strawberry-django applies the target type's get_queryset
    attname = getattr(field, "django_name", None) or field.python_name
    model = origin.__strawberry_django_definition__.model
    descriptor = getattr(model, attname, None)
    if "__" in attname or type(descriptor) is not DeferredAttribute:
        return None
    if isinstance(descriptor, FileDescriptor):
        return None
    return lambda row: getattr(row, attname)


def plan_field(parent: GraphQLObjectType, graphql_field: GraphQLField) -> FieldPlan | None:
    """The fast plan of one field, or None when graphql-core must execute it."""
    if graphql_field.args:
        return None
    field = (graphql_field.extensions or {}).get(_BACKREF)
    definition = _definition(parent)
    if not isinstance(field, StrawberryField) or definition is None or field.extensions:
        return None
    inner, non_null = _unwrap(graphql_field.type)
    leaf = inner if isinstance(inner, GraphQLScalarType | GraphQLEnumType) else None
    object_type = inner if isinstance(inner, GraphQLObjectType) else None
    if leaf is None and object_type is None:
        return None
    origin = definition.origin
    resolver = field.base_resolver
    if resolver is not None and resolver.name == "_id":
        read = _relay_id_reader(parent, origin)
    elif resolver is not None:
        read = _resolver_reader(field)
    else:
        read = _attribute_reader(field, origin, leaf is not None)
    if read is None:
        return None
    return FieldPlan(read, graphql_field.type, non_null, leaf, object_type)


# Plans per schema, then per object type and field name: computed once per process.
_PLANS: WeakKeyDictionary[GraphQLSchema, dict[GraphQLObjectType, dict[str, Any]]] = (
    WeakKeyDictionary()
)


def _type_plans(plans: dict, parent: GraphQLObjectType) -> dict[str, Any]:
    by_name = plans.get(parent)
    if by_name is None:
        by_name = plans[parent] = {}
    return by_name


def _plan(by_name: dict[str, Any], parent: GraphQLObjectType, name: str) -> FieldPlan | None:
    plan = by_name.get(name, _MISSING)
    if plan is _MISSING:
        graphql_field = parent.fields.get(name)
        plan = by_name[name] = plan_field(parent, graphql_field) if graphql_field else None
    return plan  # type: ignore[return-value]


class FastExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, with trivial fields read directly (see the module docstring)."""

    enabled = True  # tests switch it off to compare answers with graphql-core's own path

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        middlewares = getattr(self.middleware_manager, "middlewares", None) or ()
        self.fast_fields = self.enabled and all(
            isinstance(m, DjangoOptimizerExtension) for m in middlewares
        )
        plans = _PLANS.get(self.schema)
        if plans is None:
            plans = _PLANS[self.schema] = {}
        self._plans = plans

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        if not self.fast_fields:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        # graphql-core's loop (executor.execute_fields), in document order, with a fast read
        # tried first for fields that have a plan.
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        by_name = _type_plans(self._plans, parent_type)
        try:
            for response_name, details in grouped_field_set.items():
                node = details[0].node
                name = node.name.value
                if name == "__typename":
                    results[response_name] = parent_type.name
                    continue
                plan = None if node.arguments else _plan(by_name, parent_type, name)
                result: Any = _FALLBACK
                if plan is not None:
                    result = self._read(
                        plan,
                        parent_type,
                        source_value,
                        path,
                        response_name,
                        details,
                        position_context,
                    )
                if result is _FALLBACK:
                    field_path = Path(path, response_name, parent_type.name)
                    result = self.execute_field(
                        parent_type, source_value, details, field_path, position_context
                    )
                    if result is Undefined:
                        continue
                results[response_name] = result
                if is_awaitable(result):
                    awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[key] for key in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            awaited = await gather_with_cancel(*(results[key] for key in awaitable_fields))
            results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    def _read(
        self,
        plan: FieldPlan,
        parent_type: GraphQLObjectType,
        source: Any,
        path: Path | None,
        response_name: str,
        details: Any,
        position_context: Any,
    ) -> Any:
        try:
            value = plan.read(source)
        except Exception:
            return _FALLBACK
        if value is None or value is Undefined:
            return _FALLBACK if plan.non_null else None
        if plan.leaf is not None:
            try:
                coerced = plan.leaf.coerce_output_value(value)
            except Exception:
                return _FALLBACK
            return _FALLBACK if coerced is None or coerced is Undefined else coerced
        object_type = plan.object_type
        assert object_type is not None
        if object_type.is_type_of is not None:
            try:
                if object_type.is_type_of(value, None) is not True:
                    return _FALLBACK
            except Exception:
                return _FALLBACK
        field_path = Path(path, response_name, parent_type.name)
        try:
            completed = self.collect_and_execute_subfields(
                object_type, details, field_path, value, position_context
            )
        except Exception as raw_error:
            self.handle_field_error(raw_error, plan.return_type, details, field_path)
            return None
        if self.is_awaitable(completed):
            return self._await_object(completed, plan, details, field_path)
        return completed

    def _await_object(self, completed: Any, plan: FieldPlan, details: Any, path: Path) -> Any:
        async def await_completed() -> Any:
            try:
                return await completed
            except Exception as raw_error:
                self.handle_field_error(raw_error, plan.return_type, details, path)
                return None

        return await_completed()
