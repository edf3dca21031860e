"""A page of a proposal's comments, loaded for every proposal of the list at once.

strawberry-django's nested-connection prefetch hands each parent its page through Django's
prefetch cache and the per-field connection machinery. Here the first proposal of a list to
resolve `comments` loads the pages of all its siblings (perf.db.row_loading.loaded_with) with
one statement: the comments `CommentType.visible` shows the viewer (the one rule), top level,
optimised for the selection, numbered per proposal in the requested order and cut to the
page. Pages are the relay pages strawberry's `ListConnection` would cut (tests compare every
combination). With the `comment_pages` part off, each proposal's page is strawberry-django's.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, OrderBy, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from strawberry import relay
from strawberry.relay.utils import SliceMetadata
from strawberry.types.base import StrawberryContainer, get_object_definition
from strawberry_django.relay import DjangoListConnection
from strawberry_django.relay.list_connection import _should_optimize_total_count

from graph.context import Info
from graph.optimizing import optimized
from participation.models import Comment
from perf.db import any_of  # noqa: F401  (registers the `any_of` lookup)
from perf.db.row_loading import loaded_with
from perf.switches import active

ROW = "_page_row"  # the row's 1-based place in its proposal's whole list
TOTAL = "_strawberry_total_count"  # what DjangoListConnection.total_count reads off a node
PARENT = "proposal_id"


@dataclass(frozen=True, slots=True)
class PageRequest:
    """What a `comments(...)` selection asks for, the same for every proposal of a list."""

    ordering: tuple[str, ...]
    bounds: SliceMetadata
    last: int | None
    counted: bool

    @property
    def from_end(self) -> bool:
        """`last` without `before`: the page is counted back from the end of the list."""
        return self.bounds.end == sys.maxsize

    @property
    def needs_total(self) -> bool:
        return self.counted or self.from_end


@dataclass(frozen=True, slots=True)
class ProposalComments:
    rows: list[Comment]
    total: int | None


def page_request(
    info: Info,
    ordering: tuple[str, ...],
    *,
    before: str | None,
    after: str | None,
    first: int | None,
    last: int | None,
) -> PageRequest:
    bounds = SliceMetadata.from_arguments(
        info, before=before, after=after, first=first, last=last, prefix=relay.Edge.CURSOR_PREFIX
    )
    # `totalCount` anywhere below (strawberry-django's own test), for the count window.
    return PageRequest(ordering, bounds, last, _should_optimize_total_count(info))


def order_expressions(ordering: Sequence[str]) -> list[OrderBy]:
    return [F(name[1:]).desc() if name.startswith("-") else F(name).asc() for name in ordering]


def page_rows(visible: QuerySet[Comment], request: PageRequest) -> QuerySet[Comment]:
    """The rows of every parent's page in one statement (ROW_NUMBER per parent)."""
    in_order = order_expressions(request.ordering)
    numbered = visible.annotate(
        **{ROW: Window(RowNumber(), partition_by=[F(PARENT)], order_by=in_order)}
    )
    start = request.bounds.start
    if request.needs_total:
        numbered = numbered.annotate(**{TOTAL: Window(Count("pk"), partition_by=[F(PARENT)])})
    if request.from_end:
        # The last `last` rows after `start` (strawberry: all rows after start, then [-last:]).
        wanted = Q(**{f"{ROW}__gt": start}) & Q(**{f"{ROW}__gt": F(TOTAL) - (request.last or 0)})
    else:
        # Offsets start .. end, plus one more to tell whether there is a next page.
        wanted = Q(**{f"{ROW}__gt": start, f"{ROW}__lte": request.bounds.overfetch})
    return numbered.filter(wanted).order_by(*request.ordering)


def loading(queryset: QuerySet, column: str) -> QuerySet:
    """The queryset, `column` loaded even if the optimizer kept only the selected fields.

    (Not an annotation of the same column: Django's wrapper for window filters then selects
    one for the other and shifts the related rows' columns.)"""
    names, deferring = queryset.query.deferred_loading
    if deferring:
        return queryset.defer(None).defer(*(n for n in names if n != column))
    return queryset.only(*names, column)


def load_pages(
    info: Info, visible: QuerySet[Comment], parent_ids: list[int], request: PageRequest
) -> dict[int, ProposalComments]:
    rows_of: dict[int, list[Comment]] = {pk: [] for pk in parent_ids}
    queryset = loading(optimized(visible.filter(**{f"{PARENT}__any_of": parent_ids}), info), PARENT)
    for row in page_rows(queryset, request):
        rows_of[getattr(row, PARENT)].append(row)
    totals: dict[int, int] = {}
    if request.needs_total:
        totals = {pk: getattr(rows[0], TOTAL) for pk, rows in rows_of.items() if rows}
        # A parent without rows has none at all, unless its page starts past the end.
        uncounted = [pk for pk in parent_ids if pk not in totals] if request.bounds.start else []
        if uncounted:
            counts = (
                visible.filter(**{f"{PARENT}__any_of": uncounted})
                .order_by()
                .values(PARENT)
                .annotate(n=Count("pk"))
            )
            totals.update({c[PARENT]: c["n"] for c in counts})
    return {
        pk: ProposalComments(rows, totals.get(pk, 0) if request.needs_total else None)
        for pk, rows in rows_of.items()
    }


class PageCount:
    """`nodes` of a connection whose total is known without its rows (an empty page)."""

    def __init__(self, total: int) -> None:
        self.total = total

    def __len__(self) -> int:
        return self.total


def connection_of(
    connection_type: type[DjangoListConnection], page: ProposalComments, request: PageRequest
) -> DjangoListConnection:
    """The relay page strawberry's ListConnection would cut from the whole list."""
    edge_type = edge_type_of(connection_type)
    bounds = request.bounds
    edges = [edge_type.resolve_edge(row, cursor=getattr(row, ROW) - 1) for row in page.rows]
    has_previous = bounds.start > 0
    has_next = False
    if request.from_end:
        # The rows after start were cut to the last `last` in SQL; strawberry says there is a
        # previous page when that cut anything.
        after_start = (page.total or 0) - bounds.start
        has_previous = len(edges) != max(after_start, 0)
    elif bounds.expected is not None and len(edges) == bounds.expected + 1:
        edges = edges[:-1]
        has_next = True
    nodes: Any = PageCount(page.total) if page.total is not None else [e.node for e in edges]
    return connection_type(
        edges=edges,
        page_info=relay.PageInfo(
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
            has_previous_page=has_previous,
            has_next_page=has_next,
        ),
        nodes=nodes,
    )


_EDGE_TYPES: dict[type, type[relay.Edge]] = {}


def edge_type_of(connection_type: type) -> type[relay.Edge]:
    edge_type = _EDGE_TYPES.get(connection_type)
    if edge_type is None:
        definition = get_object_definition(connection_type, strict=True)
        field = definition.get_field("edges")
        assert field is not None
        edge_type = field.resolve_type(type_definition=definition)
        while isinstance(edge_type, StrawberryContainer):
            edge_type = edge_type.of_type
        _EDGE_TYPES[connection_type] = edge_type
    return edge_type


@dataclass(slots=True)
class LoadedPages:
    request: PageRequest
    pages: dict[int, ProposalComments]


def proposal_comments(
    info: Info,
    proposal: Any,
    arguments: tuple[tuple[str, ...], str | None, str | None, int | None, int | None],
    visible: Callable[[], QuerySet[Comment]],
    connection_type: type[DjangoListConnection],
) -> DjangoListConnection:
    """`proposal`'s page; the first call of a list loads the pages of the whole list.

    `arguments` are (ordering, before, after, first, last); `visible` builds the queryset of
    every comment the viewer may read that can be on a page, when a page must be loaded.
    """
    if not active("comment_pages"):
        return _plain_page(info, proposal, arguments, visible, connection_type)
    selection = tuple(id(node) for node in info._raw_info.field_nodes)
    loaded: LoadedPages | None = info.context.cache.get(("comment_pages", selection, arguments))
    if loaded is None:
        ordering, before, after, first, last = arguments
        request = page_request(info, ordering, before=before, after=after, first=first, last=last)
        loaded = LoadedPages(request, {})
        info.context.cache[("comment_pages", selection, arguments)] = loaded
    if proposal.pk not in loaded.pages:
        missing = [p.pk for p in loaded_with(proposal) if p.pk not in loaded.pages]
        if proposal.pk not in missing:
            missing.append(proposal.pk)
        loaded.pages.update(load_pages(info, visible(), missing, loaded.request))
    return connection_of(connection_type, loaded.pages[proposal.pk], loaded.request)


def _plain_page(
    info: Info,
    proposal: Any,
    arguments: tuple[tuple[str, ...], str | None, str | None, int | None, int | None],
    visible: Callable[[], QuerySet[Comment]],
    connection_type: type[DjangoListConnection],
) -> DjangoListConnection:
    """strawberry-django's own page of one proposal's comments: a statement per proposal."""
    ordering, before, after, first, last = arguments
    comments = optimized(visible().filter(proposal=proposal).order_by(*ordering), info)
    return connection_type.resolve_connection(
        comments, info=info, before=before, after=after, first=first, last=last
    )
