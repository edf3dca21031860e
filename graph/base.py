"""The tenant-scoped base for GraphQL types: visibility lives in `get_queryset`.

Root fields, `node(id:)` and nested relations fetched by the optimizer all call the type's
`get_queryset`, so a type that inherits `TenantScoped` and implements `visible` cannot be read
around its rule.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from graph.context import Info


class TenantScoped:
    """Mixin for tenant-owned types; subclasses say what a viewer may see in `visible`."""

    @classmethod
    def visible(cls, queryset: QuerySet, info: Info) -> QuerySet:
        raise NotImplementedError(f"{cls.__name__} must define its visibility rule")

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info: Info, **kwargs: Any) -> QuerySet:
        return cls.visible(queryset, info)
