"""Execution that reads trivial fields without the per-field resolver stack.

Most fields of a large answer are one attribute of a row that its list already fetched
through the type's `get_queryset`, or a resolver of that row alone; graphql-core, strawberry
and the optimizer wrap each of them in layers that cost more than the read. A field qualifies
(`plan_field`) only when nothing could run around it: no field extensions or permission
classes, no arguments unless it is a declared row resolver (`ROW_RESOLVER`), a scalar, enum,
object or list-of-object type (never a union or interface), and a value that is a column, a
resolver of the row alone, or a relay id. Relations always go through graphql-core, the
optimizer and the target type's visibility rule. Anything unexpected (a raise, a null for a
non-null type, a queryset, a failed type check) falls back to graphql-core's own path, so
errors, nulls and masking are unchanged. The whole path is off when another extension hooks
field resolution, or when the `executor` part is switched off.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from types import FunctionType
from typing import Any
from weakref import WeakKeyDictionary

from django.db.models import Model, QuerySet
from django.db.models.fields.files import FileDescriptor
from django.db.models.manager import BaseManager
from django.db.models.query_utils import DeferredAttribute
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
)
from graphql.execution.executor import to_nodes
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry import relay
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_arguments
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.field import StrawberryField
from strawberry_django.optimizer import DjangoOptimizerExtension
from strawberry_django.relay.utils import resolve_model_id

from graph.engine import selection_completion as one_call
from graph.engine.type_checks import TypeCheck, type_check
from perf.db.row_loading import siblings_scope
from perf.switches import active

_BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF
_FALLBACK = object()  # "let graphql-core execute this field"
_MISSING = object()


@dataclass(frozen=True, slots=True)
class FieldPlan:
    """How to read one field of one object type without the resolver stack."""

    read: Callable[[Any], Any] | None  # None for a row resolver (called with its arguments)
    return_type: Any  # the field's declared GraphQL type, for error handling
    non_null: bool
    leaf: GraphQLScalarType | GraphQLEnumType | None
    object_type: GraphQLObjectType | None  # the object, or the list's items
    item_type: Any = None  # a list's declared item type (None: not a list)
    item_non_null: bool = False
    field: StrawberryField | None = None  # set for a row resolver (ROW_RESOLVER)
    field_def: GraphQLField | None = None
    is_type: TypeCheck | None = None  # object_type's check (graph/engine/type_checks.py)


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
    func = resolver.wrapped_func
    parameters = list(resolver.signature.parameters.values())
    if (
        pass_self
        and isinstance(func, FunctionType)
        and all(p.kind in _POSITIONAL for p in parameters)
    ):
        # def field(self, root): every parameter is the row, so it is passed by position,
        # without StrawberryResolver.__call__ and a keyword dict per row (~1,000 calls a Q1).
        count = len(parameters)

        def read(row: Any) -> Any:
            return _checked(func(*(row,) * count))

        return read

    def read_by_name(row: Any) -> Any:
        return _checked(resolver(*((row,) if pass_self else ()), **dict.fromkeys(names, row)))

    return read_by_name


_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
# Values that are never lists or awaitables (inspect.isawaitable's ABC check skipped).
_PLAIN_VALUES = frozenset({str, int, float, bool, type(None), datetime, date, Decimal})


def _checked(value: Any) -> Any:
    if type(value) in _PLAIN_VALUES:
        return value
    if isinstance(value, BaseManager | QuerySet) or inspect.isawaitable(value):
        raise TypeError("a list or an awaitable")  # -> graphql-core's path
    return value


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


# strawberry.field(metadata={ROW_RESOLVER: True}): a resolver that reads only its row, the
# request (through `info`) and its arguments, and never returns a queryset. The fast path calls
# it directly with its arguments converted once per request, skipping strawberry's per-call
# wrapper and the optimizer's middleware (which only acts on querysets).
ROW_RESOLVER = "ruamkhid.row_resolver"


def _row_resolver_plan(field: StrawberryField, graphql_field: GraphQLField) -> FieldPlan | None:
    resolver = field.base_resolver
    if resolver is None or resolver.is_async:
        return None
    if inspect.isgeneratorfunction(resolver._unbound_wrapped_func):
        return None
    _, non_null = _unwrap(graphql_field.type)
    return FieldPlan(
        read=None,
        return_type=graphql_field.type,
        non_null=non_null,
        leaf=None,
        object_type=None,
        field=field,
        field_def=graphql_field,
    )


def plan_field(parent: GraphQLObjectType, graphql_field: GraphQLField) -> FieldPlan | None:
    """The fast plan of one field, or None when graphql-core must execute it."""
    field = (graphql_field.extensions or {}).get(_BACKREF)
    definition = _definition(parent)
    if not isinstance(field, StrawberryField) or definition is None or field.extensions:
        return None
    if field.metadata.get(ROW_RESOLVER):
        return _row_resolver_plan(field, graphql_field)
    if graphql_field.args:
        return None
    inner, non_null = _unwrap(graphql_field.type)
    item_type = item = None
    item_non_null = False
    if isinstance(inner, GraphQLList):
        # Lists of objects only, read as a whole: a plain attribute of a plain strawberry
        # object (a connection's edges) or a resolver of the row alone. Relations of Django
        # types never qualify (_attribute_reader), so no queryset skips its get_queryset.
        item_type = inner.of_type
        item, item_non_null = _unwrap(item_type)
        if not isinstance(item, GraphQLObjectType):
            return None
    leaf = inner if isinstance(inner, GraphQLScalarType | GraphQLEnumType) else None
    object_type = item if item_type is not None else inner
    if not isinstance(object_type, GraphQLObjectType):
        object_type = None
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
    return FieldPlan(
        read,
        graphql_field.type,
        non_null,
        leaf,
        object_type,
        item_type,
        item_non_null,
        is_type=type_check(object_type) if object_type is not None else None,
    )


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


_TYPENAME = object()  # "answer the parent type's name"


def _read_leaf(plan: FieldPlan, source: Any) -> Any:
    """A scalar or enum, serialised; _FALLBACK when graphql-core must execute the field."""
    try:
        value = plan.read(source)
    except Exception:
        return _FALLBACK
    if value is None or value is Undefined:
        return _FALLBACK if plan.non_null else None
    try:
        coerced = plan.leaf.coerce_output_value(value)  # type: ignore[union-attr]
    except Exception:
        return _FALLBACK
    return _FALLBACK if coerced is None or coerced is Undefined else coerced


def _is_type_of(check: TypeCheck | None, value: Any) -> bool:
    if check is None:
        return True
    try:
        return check(value)
    except Exception:
        return False


def _in_one_call(complete: one_call.Completer | None, value: Any) -> Any:
    """The one-call answer for `value`, or _FALLBACK when there is none or it refused (or a
    read raised): the general path then answers, errors included."""
    if complete is None:
        return _FALLBACK
    try:
        return complete(value)
    except Exception:
        return _FALLBACK


class FastExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, with trivial fields read directly (see the module docstring)."""

    enabled = True  # tests switch it off to compare answers with graphql-core's own path

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        middlewares = getattr(self.middleware_manager, "middlewares", None) or ()
        self.fast_fields = (
            self.enabled
            and active("executor")
            and all(isinstance(m, DjangoOptimizerExtension) for m in middlewares)
        )
        plans = _PLANS.get(self.schema)
        if plans is None:
            plans = _PLANS[self.schema] = {}
        self._plans = plans
        self._compiled_sets: dict[Any, tuple[Any, Any]] = {}

    def execute_operation(self, *args: Any, **kwargs: Any) -> Any:
        """graphql-core's, then the executor's own reference cycle is broken.

        `async_helpers` holds two bound methods of the executor, so the executor and all it
        reaches (the context, every row loaded, the answer) could only be freed by the cycle
        collector. A finished synchronous execution needs them no more; reference counting
        then frees it all when the response is sent (perf/db/row_loading.py: the rows' own
        cycles)."""
        with siblings_scope():  # and the rows loaded together forget their lists
            result = super().execute_operation(*args, **kwargs)
        if not self.is_awaitable(result):
            self.async_helpers = None
        return result

    def _compiled(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> list:
        """(response name, field details, plan or None) per field of a selection, once per
        request: graphql-core hands every row of a list the same grouped field set."""
        known = self._compiled_sets.get(id(grouped_field_set))
        if known is not None and known[0] is grouped_field_set:
            return known[1]
        by_name = _type_plans(self._plans, parent_type)
        compiled = []
        for response_name, details in grouped_field_set.items():
            node = details[0].node
            name = node.name.value
            if name == "__typename":
                plan: Any = _TYPENAME
            elif node.directives:
                plan = None  # @stream and the like: graphql-core's path
            else:
                plan = _plan(by_name, parent_type, name)
                if plan is not None and plan.field is None and node.arguments:
                    plan = None  # arguments the schema does not declare: graphql-core's error
            compiled.append((response_name, details, plan))
        self._compiled_sets[id(grouped_field_set)] = (grouped_field_set, compiled)
        return compiled

    def _completer(
        self, parent_type: GraphQLObjectType, grouped_field_set: Any
    ) -> one_call.Completer | None:
        """The one-call completion of a selection (graph.engine.selection_completion), or None when
        a field of it or below it needs the executor; built once per request and selection."""
        key = ("completer", id(grouped_field_set))
        known = self._compiled_sets.get(key)
        if known is not None and known[0] is grouped_field_set:
            return known[1]
        built = self._build_completer(parent_type, grouped_field_set)
        self._compiled_sets[key] = (grouped_field_set, built)
        return built

    def _sub_completer(
        self, object_type: GraphQLObjectType, details: Any
    ) -> one_call.Completer | None:
        grouped_field_set, defer_usages, _ = self.collect_subfields(object_type, details)
        if defer_usages:
            return None  # @defer below: graphql-core's incremental delivery
        return self._completer(object_type, grouped_field_set)

    def _build_completer(
        self, parent_type: GraphQLObjectType, grouped_field_set: Any
    ) -> one_call.Completer | None:
        steps: list[one_call.Step] = []
        for response_name, details, plan in self._compiled(parent_type, grouped_field_set):
            if plan is _TYPENAME:
                steps.append(one_call.typename_step(response_name, parent_type.name))
                continue
            if plan is None or plan.field is not None:
                return None  # graphql-core's field, or a row resolver (it takes `info`)
            if plan.leaf is not None:
                steps.append(one_call.leaf_step(response_name, plan))
                continue
            assert plan.object_type is not None and plan.read is not None
            below = self._sub_completer(plan.object_type, details)
            if below is None:
                return None
            if plan.item_type is None:
                steps.append(one_call.object_step(response_name, plan, below))
            else:
                steps.append(one_call.list_step(response_name, plan, below))
        return one_call.completer(steps)

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
        if position_context is None:
            answer = _in_one_call(self._completer(parent_type, grouped_field_set), source_value)
            if answer is not _FALLBACK:
                return answer
        # graphql-core's loop (executor.execute_fields), in document order, with a fast read
        # tried first for fields that have a plan.
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, details, plan in self._compiled(parent_type, grouped_field_set):
                if plan is None:
                    result: Any = _FALLBACK
                elif plan is _TYPENAME:
                    results[response_name] = parent_type.name
                    continue
                elif plan.leaf is not None:
                    result = _read_leaf(plan, source_value)
                    if result is not _FALLBACK:
                        results[response_name] = result
                        continue
                elif plan.field is not None:
                    result = self._resolve_row(
                        plan,
                        parent_type,
                        source_value,
                        path,
                        response_name,
                        details,
                        position_context,
                    )
                else:
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

    def _resolve_row(
        self,
        plan: FieldPlan,
        parent_type: GraphQLObjectType,
        source: Any,
        path: Path | None,
        response_name: str,
        details: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's execute_field for a ROW_RESOLVER field: the same argument values,
        errors and completion, the resolver called directly."""
        field, field_def = plan.field, plan.field_def
        assert field is not None and field_def is not None
        field_path = Path(path, response_name, parent_type.name)
        info = self.build_resolve_info(field_def, to_nodes(details), parent_type, field_path)
        try:
            kwargs = self._row_resolver_arguments(field, field_def, details[0], info)
            resolver = field.base_resolver
            args = [source] if resolver.self_parameter else []
            for parameter in (resolver.root_parameter, resolver.parent_parameter):
                if parameter is not None:
                    kwargs[parameter.name] = source
            if resolver.info_parameter is not None:
                kwargs[resolver.info_parameter.name] = (
                    self.schema._strawberry_schema.config.info_class(_raw_info=info, _field=field)
                )
            result = resolver(*args, **kwargs)
            if self.is_awaitable(result):
                raise TypeError(f"{field.name} is marked as a row resolver but awaits")
            completed = self.complete_value(
                plan.return_type, details, info, field_path, result, position_context
            )
        except Exception as raw_error:
            self.handle_field_error(raw_error, plan.return_type, details, field_path)
            return None
        if self.is_awaitable(completed):
            return self._settled(completed, plan.return_type, details, field_path)
        return completed

    def _row_resolver_arguments(
        self, field: StrawberryField, field_def: GraphQLField, details: Any, info: Any
    ) -> dict[str, Any]:
        """The field's arguments as its resolver takes them, converted once per request and
        field node (every row of a list passes the same ones)."""
        key = ("arguments", id(details.node), id(details.fragment_variable_values))
        known = self._compiled_sets.get(key)
        if known is not None and known[0] == (details.node, details.fragment_variable_values):
            return dict(known[1])
        values = get_argument_values(
            field_def,
            details.node,
            self.variable_values,
            details.fragment_variable_values,
            self.hide_suggestions,
        )
        strawberry_schema = self.schema._strawberry_schema
        converted = convert_arguments(
            values,
            field.arguments,
            scalar_registry=strawberry_schema.schema_converter.scalar_registry,
            config=strawberry_schema.config,
            info=None,
        )
        self._compiled_sets[key] = ((details.node, details.fragment_variable_values), converted)
        return dict(converted)

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
        """An object or a list of objects; _FALLBACK before anything ran if graphql-core must
        execute the field instead."""
        try:
            value = plan.read(source)
        except Exception:
            return _FALLBACK
        if value is None or value is Undefined:
            return _FALLBACK if plan.non_null else None
        object_type = plan.object_type
        assert object_type is not None
        if plan.item_type is not None:
            return self._read_list(
                plan, parent_type, value, path, response_name, details, position_context
            )
        if not _is_type_of(plan.is_type, value):
            return _FALLBACK
        if position_context is None:
            answer = _in_one_call(self._sub_completer(object_type, details), value)
            if answer is not _FALLBACK:
                return answer
        field_path = Path(path, response_name, parent_type.name)
        try:
            completed = self.collect_and_execute_subfields(
                object_type, details, field_path, value, position_context
            )
        except Exception as raw_error:
            self.handle_field_error(raw_error, plan.return_type, details, field_path)
            return None
        if self.is_awaitable(completed):
            return self._settled(completed, plan.return_type, details, field_path)
        return completed

    def _read_list(
        self,
        plan: FieldPlan,
        parent_type: GraphQLObjectType,
        items: Any,
        path: Path | None,
        response_name: str,
        details: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's complete_list_value for a list of objects, without its per-item
        layers. Anything it would refuse (not a list, a null item of a non-null type, an item
        of another type) leaves the whole field to graphql-core, checked before any item runs."""
        object_type = plan.object_type
        if not isinstance(items, list | tuple):
            return _FALLBACK
        check = plan.is_type
        for item in items:
            if item is None:
                if plan.item_non_null:
                    return _FALLBACK
            elif not _is_type_of(check, item):
                return _FALLBACK
        field_path = Path(path, response_name, parent_type.name)
        completed: list[Any] = []
        awaitable = False
        complete = (
            None if position_context is not None else self._sub_completer(object_type, details)
        )
        for index, item in enumerate(items):
            if item is None:
                completed.append(None)
                continue
            answer = _in_one_call(complete, item)
            if answer is not _FALLBACK:
                completed.append(answer)
                continue
            item_path = Path(field_path, index, None)
            try:
                value = self.collect_and_execute_subfields(
                    object_type, details, item_path, item, position_context
                )
            except Exception as raw_error:
                try:  # null in place of the item, or (non-null item) of the whole list
                    self.handle_field_error(raw_error, plan.item_type, details, item_path)
                except Exception as list_error:
                    self.handle_field_error(list_error, plan.return_type, details, field_path)
                    return None
                value = None
            if self.is_awaitable(value):
                awaitable = True
                value = self._settled(value, plan.item_type, details, item_path)
            completed.append(value)
        if awaitable:
            return self._settled(self._gathered(completed), plan.return_type, details, field_path)
        return completed

    def _settled(self, completed: Any, error_type: Any, details: Any, path: Path) -> Any:
        """Await a completion; an error is handled as graphql-core would for `error_type`."""

        async def settle() -> Any:
            try:
                return await completed
            except Exception as raw_error:
                self.handle_field_error(raw_error, error_type, details, path)
                return None

        return settle()

    async def _gathered(self, items: list) -> list:
        return [await item if self.is_awaitable(item) else item for item in items]
