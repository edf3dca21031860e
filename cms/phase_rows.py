"""A consultation's phases, read by the statement that reads the consultation.

Nearly every read of a consultation needs its phases (its current phase, which citizen actions
are open), and each read asked for them with a statement of its own: one of the benchmark's
Q1's four, one of a support's nine (bench/PROFILE.md, session 11). `with_phases` adds the
consultation's phase rows to the statement as one JSON array (a correlated subquery);
`phases_of` turns them into the relation's rows, the same `ConsultationPhase` instances in the
same order as `page.phases.all()` would give, read in the same snapshot as the page. They are
built on first use only, so a statement that carries them for nothing (a proposal list that
shows no phases) costs one short subquery and no Python.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

import orjson
from django.db import NotSupportedError, connections
from django.db.models import F, QuerySet, TextField

from cms.models import ConsultationPage, ConsultationPhase
from config.sql_expressions import AroundColumn

ROWS_ATTR = "_phase_rows"  # the JSON text, on the page (or on the row that joined it)
_BUILT_ATTR = "_phase_rows_built"

_FIELDS = ConsultationPhase._meta.concrete_fields
COLUMNS = tuple(field.attname for field in _FIELDS)
_DATETIMES = tuple(i for i, f in enumerate(_FIELDS) if f.get_internal_type() == "DateTimeField")


class PhaseRows(AroundColumn):
    """The phase rows of the consultation whose id is the given column, as JSON text: an array
    of arrays in COLUMNS order, or NULL without phases (PostgreSQL renders a timestamptz in
    ISO 8601 in the session's time zone; SQLite keeps the text Django stored)."""

    output_field = TextField()

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        page_sql, params = compiler.compile(self.column)
        quote = connection.ops.quote_name
        meta = ConsultationPhase._meta
        columns = ", ".join(f"ruamkhid_ph.{quote(f.column)}" for f in _FIELDS)
        if connection.vendor == "postgresql":
            rows = f"CAST(JSON_AGG(JSON_BUILD_ARRAY({columns})) AS TEXT)"
        elif connection.vendor == "sqlite":
            rows = f"JSON_GROUP_ARRAY(JSON_ARRAY({columns}))"
        else:
            raise NotSupportedError(f"PhaseRows has no SQL for {connection.vendor}")
        page_fk = quote(meta.get_field("page").column)
        sql = (
            f"(SELECT {rows} FROM {quote(meta.db_table)} ruamkhid_ph "
            f"WHERE ruamkhid_ph.{page_fk} = {page_sql})"
        )
        return sql, list(params)


@cache
def _rows(page_ref: str) -> PhaseRows:
    # Built once and shared: Django copies an expression before resolving it into a query.
    return PhaseRows(F(page_ref))


def with_phases(queryset: QuerySet, page_ref: str = "pk") -> QuerySet:
    """`queryset`, each row carrying the phase rows of the consultation at `page_ref`."""
    return queryset.annotate(**{ROWS_ATTR: _rows(page_ref)})


def remember_phases(page: ConsultationPage, rows: str | None) -> None:
    """Give `page` the phase rows a `with_phases` statement read for it (through a join)."""
    page.__dict__[ROWS_ATTR] = rows
    page.__dict__.pop(_BUILT_ATTR, None)


def _datetime(value: str, database_zone: Any) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:  # SQLite: naive text in the database's zone, as Django stores it
        parsed = parsed.replace(tzinfo=database_zone)
    return parsed


def _order(nulls_last: bool):  # type: ignore[no-untyped-def]
    """The relation's ordering: sort_order, NULLs where the backend sorts them (PostgreSQL
    last, SQLite first), then the id where the database would leave ties in any order."""

    def key(phase: ConsultationPhase) -> tuple:
        return ((phase.sort_order is None) is nulls_last, phase.sort_order or 0, phase.pk)

    return key


def _built(page: ConsultationPage, rows: str | None) -> list[ConsultationPhase]:
    database = page._state.db or "default"
    backend = connections[database]
    phases = []
    for values in orjson.loads(rows) if rows else ():
        for i in _DATETIMES:
            if values[i] is not None:
                values[i] = _datetime(values[i], backend.timezone)
        phases.append(ConsultationPhase.from_db(database, COLUMNS, values))
    phases.sort(key=_order(backend.features.nulls_order_largest))
    return phases


def phases_of(page: ConsultationPage) -> list[ConsultationPhase]:
    """The page's phases in the relation's order: the rows its statement read when it was
    loaded `with_phases`, else `page.phases.all()` (a prefetch, a preview's in-memory phases,
    or a query)."""
    state = page.__dict__
    if ROWS_ATTR not in state:
        return list(page.phases.all())
    built = state.get(_BUILT_ATTR)
    if built is None:
        built = state[_BUILT_ATTR] = _built(page, state[ROWS_ATTR])
    return built
