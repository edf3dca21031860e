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


# strawberry's Node.resolve_id_attr scans every class annotation for a NodeID marker on each
# id it resolves, and never caches the miss (strawberry-django then falls back to the pk):
# about half the CPU of the benchmark's Q1. Node types say "pk" up front instead; a test checks
# that every Node type in the schema does.
NODE_ID_ATTR = "pk"
