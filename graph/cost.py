"""Query cost: a validation rule refusing documents that would fetch too much, before execution.

Every field costs 1. A field that takes `first` (a connection or a paginated list) multiplies
the cost of its subtree by that page size: the literal, the variable's value (or the variable's
default), else the default page size; connections are capped at MAX_PAGE_SIZE (strawberry refuses
more anyway). Lists without pagination arguments (a page's StreamField body, its phases) are
bounded by editors' content, not by the client, and count once. Fragments and inline fragments
are expanded; a fragment already being expanded on the current path (a cycle, which validation
reports separately) counts nothing more, so a cyclic document cannot loop.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
    value_from_ast,
)
from graphql.type import GraphQLInt, GraphQLNamedType
from graphql.validation import ValidationContext, ValidationRule

COSTLY = "QUERY_TOO_COSTLY"


class _Costing:
    def __init__(
        self,
        context: ValidationContext,
        variables: Mapping[str, Any],
        variable_defaults: Mapping[str, Any],
        default_page: int,
        max_page: int,
    ) -> None:
        self.context = context
        self.variables = variables
        self.variable_defaults = variable_defaults
        self.default_page = default_page
        self.max_page = max_page

    def page_size(self, node: FieldNode, is_connection: bool) -> int:
        size: Any = None
        for argument in node.arguments or ():
            if argument.name.value not in ("first", "last"):
                continue
            value = argument.value
            if isinstance(value, VariableNode):
                name = value.name.value
                size = self.variables.get(name, self.variable_defaults.get(name))
            elif isinstance(value, IntValueNode):
                size = value_from_ast(value, GraphQLInt)
            if isinstance(size, int) and not isinstance(size, bool):
                break
            size = None
        if size is None:
            size = self.default_page
        size = max(int(size), 0)
        return min(size, self.max_page) if is_connection else size

    def selection_set(
        self, selections: SelectionSetNode | None, parent: GraphQLNamedType | None, path: frozenset
    ) -> int:
        if selections is None:
            return 0
        total = 0
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, path)
            elif isinstance(selection, InlineFragmentNode):
                type_ = parent
                if selection.type_condition is not None:
                    type_ = self.context.schema.get_type(selection.type_condition.name.value)
                total += self.selection_set(selection.selection_set, type_, path)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.context.get_fragment(name)
                if fragment is None or name in path:
                    continue
                type_ = self.context.schema.get_type(fragment.type_condition.name.value)
                total += self.selection_set(fragment.selection_set, type_, path | {name})
        return total

    def field(self, node: FieldNode, parent: GraphQLNamedType | None, path: frozenset) -> int:
        field_def = None
        if parent is not None and hasattr(parent, "fields"):
            field_def = parent.fields.get(node.name.value)  # type: ignore[union-attr]
        if field_def is None:
            # __typename, introspection roots, or an unknown field (reported by validation).
            return 1 + self.selection_set(node.selection_set, None, path)
        field_type = get_named_type(field_def.type)
        sub = self.selection_set(node.selection_set, field_type, path)
        if "first" in field_def.args or "last" in field_def.args:
            is_connection = field_type.name.endswith("Connection") or is_list_type(
                get_nullable_type(field_def.type)
            )
            sub *= self.page_size(node, is_connection)
        return 1 + sub


def operation_cost(
    context: ValidationContext,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None,
    *,
    default_page: int,
    max_page: int,
) -> int:
    schema = context.schema
    root: GraphQLObjectType | None = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation.operation]
    defaults = {}
    for definition in operation.variable_definitions or ():
        if isinstance(definition.default_value, IntValueNode):
            defaults[definition.variable.name.value] = int(definition.default_value.value)
    costing = _Costing(context, variables or {}, defaults, default_page, max_page)
    return costing.selection_set(operation.selection_set, root, frozenset())


def integer_variables(variables: Any) -> tuple[tuple[str, int], ...]:
    """The variables a cost can depend on (page sizes are integers), sorted: a document's cost
    is the same for every request with the same ones, so they key the validation caches."""
    return tuple(
        sorted(
            (name, value)
            for name, value in (variables if isinstance(variables, dict) else {}).items()
            if isinstance(value, int) and not isinstance(value, bool)
        )
    )


def cost_rule(
    max_cost: int, variables: Mapping[str, Any] | None, *, default_page: int, max_page: int
) -> type[ValidationRule]:
    class QueryCostRule(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            cost = operation_cost(
                self.context, node, variables, default_page=default_page, max_page=max_page
            )
            if cost > max_cost:
                name = f"'{node.name.value}' " if node.name else ""
                self.report_error(
                    GraphQLError(
                        f"Operation {name}costs {cost}, over the budget of {max_cost}: ask for "
                        "smaller pages (first) or fewer nested lists.",
                        node,
                        extensions={"code": COSTLY, "cost": cost, "maxCost": max_cost},
                    )
                )

    return QueryCostRule
