"""Connection pages whose `totalCount` does not make the page query read every row.

strawberry-django counts a page's total with `COUNT(*) OVER ()`, so the database must build
every matching row before keeping the first few. `CountedConnectionExtension` counts with an
uncorrelated scalar subquery of the same queryset instead (same visibility rule, ordering
dropped), and the page is read in index order and stops early. Still one statement. Prefetched
lists, `last` without `before`, and pages without `totalCount` keep strawberry-django's path.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, QuerySet, Subquery, Value
from strawberry.types.field import StrawberryField
from strawberry_django.fields.field import StrawberryDjangoConnectionExtension
from strawberry_django.queryset import get_queryset_config
from strawberry_django.relay import DjangoListConnection
from strawberry_django.relay.list_connection import _should_optimize_total_count

from graph.context import Info
from perf.switches import active

TOTAL_COUNT_ATTR = "_strawberry_total_count"  # what DjangoListConnection.total_count reads


def total_count_subquery(queryset: QuerySet) -> Subquery:
    """`(SELECT COUNT(*) FROM <the queryset's rows>)`, whatever the queryset selects."""
    counted = (
        queryset.order_by()
        .annotate(_all=Value(1, output_field=IntegerField()))
        .values("_all")
        .annotate(total=Count("*"))  # not COUNT(id): an index without the id answers it
        .values("total")
    )
    return Subquery(counted, output_field=IntegerField())


def counts_by_subquery(nodes: Any, info: Info, last: int | None, before: str | None) -> bool:
    return (
        active("counted_connections")
        and isinstance(nodes, QuerySet)
        and nodes._result_cache is None
        and not ((last or 0) > 0 and before is None)
        and not get_queryset_config(nodes).optimized_by_prefetching
        and _should_optimize_total_count(info)
    )


class CountedConnectionExtension(StrawberryDjangoConnectionExtension):
    """strawberry-django's connection extension, with the page's total counted by subquery."""

    def resolve(
        self,
        next_: Any,
        source: Any,
        info: Info,
        *,
        before: str | None = None,
        after: str | None = None,
        first: int | None = None,
        last: int | None = None,
        **kwargs: Any,
    ) -> Any:
        nodes = next_(source, info, **kwargs)
        if not counts_by_subquery(nodes, info, last, before):
            return super().resolve(
                lambda *_args, **_kwargs: nodes,
                source,
                info,
                before=before,
                after=after,
                first=first,
                last=last,
                **kwargs,
            )
        nodes = nodes.annotate(**{TOTAL_COUNT_ATTR: total_count_subquery(nodes)})
        # strawberry's own slicing (LIMIT/OFFSET), skipping strawberry-django's window count.
        connection = super(DjangoListConnection, self.connection_type).resolve_connection(
            nodes,
            info=info,
            before=before,
            after=after,
            first=first,
            last=last,
            max_results=self.max_results,
            **kwargs,
        )
        connection.nodes = nodes
        return connection


def count_by_subquery(field: StrawberryField) -> None:
    """Swap a connection field's strawberry-django extension for the counting one."""
    for index, extension in enumerate(field.extensions):
        if type(extension) is StrawberryDjangoConnectionExtension:
            counted = CountedConnectionExtension(max_results=extension.max_results)
            field.extensions[index] = counted
