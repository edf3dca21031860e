"""A connection field with an `orderBy` enum (and optional extra filters) that the optimizer
can still prefetch for many parents at once with one windowed query.

strawberry-django calls a field's `get_queryset` with the field's arguments both when it resolves
the field itself and when the optimizer builds the nested `Prefetch`; ordering there keeps the
window pagination in the right order.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

from django.db.models import QuerySet
from strawberry.annotation import StrawberryAnnotation
from strawberry.types.arguments import StrawberryArgument
from strawberry_django.fields.field import StrawberryDjangoField
from strawberry_django.queryset import get_queryset_config

from graph.context import Info
from graph.engine.connections import count_by_subquery


def is_prefetched(queryset: QuerySet) -> bool:
    return get_queryset_config(queryset).optimized_by_prefetching


class OrderedConnectionField(StrawberryDjangoField):
    """Adds `orderBy: <Enum> = <default>` and applies the enum's `order_by` tuple."""

    order_enum: type[Enum]
    order_default: Enum
    orderings: dict[Enum, tuple[str, ...]]
    extra_arguments: tuple[StrawberryArgument, ...] = ()
    extra_filter: Callable[[QuerySet, Info, dict[str, Any]], QuerySet] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        count_by_subquery(self)  # totalCount without a window over every row (connections.py)

    @property
    def arguments(self) -> list[StrawberryArgument]:
        # Read on every resolution of the field: build the list once per base list.
        existing = super().arguments
        cached = self.__dict__.get("_ordered_arguments")
        if cached is not None and cached[0] is existing:
            return cached[1]
        names = {argument.python_name for argument in existing}
        added = [
            StrawberryArgument(
                python_name="order_by",
                graphql_name=None,
                type_annotation=StrawberryAnnotation(self.order_enum | None),
                default=self.order_default,
            ),
            *self.extra_arguments,
        ]
        arguments = [*existing, *(a for a in added if a.python_name not in names)]
        self.__dict__["_ordered_arguments"] = (existing, arguments)
        return arguments

    @arguments.setter
    def arguments(self, value: list[StrawberryArgument]) -> None:
        self.__dict__.pop("_ordered_arguments", None)
        StrawberryDjangoField.arguments.fset(self, value)

    def get_queryset(self, queryset: QuerySet, info: Info, **kwargs: Any) -> QuerySet:
        if is_prefetched(queryset):
            return queryset
        order_by = kwargs.pop("order_by", None) or self.order_default
        extras = {a.python_name: kwargs.pop(a.python_name, None) for a in self.extra_arguments}
        queryset = super().get_queryset(queryset, info, **kwargs)
        if self.extra_filter is not None:
            queryset = type(self).extra_filter(queryset, info, extras)
        return queryset.order_by(*self.orderings[order_by])


def optional_argument(name: str, annotation: Any, description: str = "") -> StrawberryArgument:
    return StrawberryArgument(
        python_name=name,
        graphql_name=None,
        type_annotation=StrawberryAnnotation(annotation | None),
        default=None,
        description=description or None,
    )
