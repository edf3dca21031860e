"""SQL compiled once per query shape, not once per request.

Django compiles every statement on every request: for the benchmark's Q1 that is about 5 ms of
~27 (the comments page statement alone 2 to 3 ms, its visibility rule included), for Q2 2.5 ms of
~9 (bench/PROFILE.md). The same page asks the same statements over and over, so the compiled
SQL, its parameters and the compiler's row layout (what turns result rows into models) are kept
per process, keyed by the query itself.

The key is the pickled `Query` (every filter value but the bound ones below, alias, annotation,
ordering, limit, subquery), the database alias, the active time zone (date functions read it
while compiling) and `elide_empty`. Pickling costs about a twentieth of compiling. Two queries
with the same key compile to the same SQL and, bound values put in their places, the same
parameters, because compiling reads nothing else; so a hit is the statement Django would have
built, and the visibility rule inside it is unchanged. What the key cannot capture is never
cached: `select_for_update` outside a transaction (compiling refuses it), combined queries, a
query that does not pickle, and compiles with arguments (subqueries are compiled as part of
their outer statement). A model instance in a filter (a
related manager filters by its parent row) enters the key as its class and the values of its
unique columns: a lookup against a row reads only the field it targets, and a foreign key can
only target a unique field (the row's other state, its related rows above all, stays out).

Values are parameters, not part of the key, where that cannot change the statement: the
right-hand side of `=`, `<`, `<=`, `>`, `>=` against a column of one of Django's own integer or text
field classes (or a foreign key to one), when it is an `int` (not a `bool`) or a `str`. Such a
lookup pickles to its class, its column and, for an integer, which of the backend's integer
field ranges hold it (Django turns an out-of-range value into "no rows" while compiling). The
first compile of such a shape is done twice, once more with every bound value replaced by a
distinct stand-in; the shape is kept only if the two statements have the same SQL and differ
exactly where the stand-ins are, each stand-in showing up, and the real compile carries the real
values there. A hit then puts the query's own values in those places. Without this every
citizen's write, and every read naming a user or a row, compiled afresh (the key held the user
id). A shape that fails the check is never cached. An `any_of` list of integers
(perf/db/any_of.py) is bound the same way on PostgreSQL, where it is one array parameter: the
comment pages of any list of proposals share one statement.

`SQL_STATEMENT_CACHE` (settings, from the environment): `on` (default), `off`, or `verify`,
which the test suite uses: every hit is compiled again and must equal the cached statement.
"""

from __future__ import annotations

import io
import pickle
import threading
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Field, Model, lookups
from django.db.models.expressions import Col
from django.db.models.sql import Query
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from perf.db.any_of import AnyOf
from perf.lru import Lru
from perf.switches import active

SIZE = 128  # statements per process; the hot pages use a handful

# What running a compiled statement reads from its compiler (execute_sql, results_iter, the
# model and values iterables): the row layout. The rest of the compiler's state (its WHERE
# tree above all, which holds on to the whole query) is not kept: at 256 entries it made a
# worker 18 MiB larger in the benchmark's write mix, one statement per citizen.
_LAYOUT = ("select", "klass_info", "annotation_col_map", "col_count", "has_extra_select")


_DEFERRED = "<deferred>"
_UNIQUE: dict[type, tuple[str, ...]] = {}


def _row(label: str, unique_values: tuple) -> None:
    """What a model instance pickles to in a key (keys are never unpickled)."""


def _reduce_row(obj: Model) -> tuple:
    model = type(obj)
    names = _UNIQUE.get(model)
    if names is None:
        names = _UNIQUE[model] = tuple(
            f.attname for f in model._meta.concrete_fields if f.unique or f.primary_key
        )
    values = obj.__dict__
    return _row, (model._meta.label, tuple(values.get(name, _DEFERRED) for name in names))


class StatementCacheMismatch(AssertionError):
    """`verify` mode: a cached statement differs from a fresh compile (a key that is not exact)."""


class _Statements(Lru):
    """The compiled statements, with hit and miss counts (read by the tests)."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.hits = 0
        self.misses = 0

    def clear(self) -> None:
        super().clear()
        self.hits = self.misses = 0


statements = _Statements(SIZE)

_dispatch: dict[type, Any] | None = None


def _field(path: str, args: tuple, kwargs: dict) -> None:
    """What a field built for one expression pickles to in a key."""


def _reduce_field(field: Field) -> Any:
    """A model's field pickles by reference (Django's own reduction). A field made for one
    expression (an annotation's output_field) would pickle its global creation counter, new
    on every request; its class and constructor arguments are what compiling reads."""
    if hasattr(field, "model"):
        return field.__reduce__()
    _, path, args, kwargs = field.deconstruct()
    return _field, (path, tuple(args), kwargs)


def _subclasses(cls: type) -> list[type]:
    found = [cls]
    for sub in cls.__subclasses__():
        found += _subclasses(sub)
    return found


_BINDABLE_LOOKUPS = (
    lookups.Exact,
    lookups.GreaterThan,
    lookups.GreaterThanOrEqual,
    lookups.LessThan,
    lookups.LessThanOrEqual,
)
# While a key is pickled: .bound, the lookups whose values it leaves out; .ranges, the
# backend's integer field ranges (a reducer takes no arguments but the object).
_pickling = threading.local()


def _column(alias: str | None, target: Field, output_field: Field) -> None:
    """What a column reference pickles to in a key: what its SQL and converters read. (Its
    pickle would also carry the properties Django caches on it once compiled, so that a
    shape's key changed after its first compile.)"""


def _reduce_col(col: Col) -> Any:
    return _column, (col.alias, col.target, col.output_field)


def _parameter(lookup_class: type, lhs: Any, kind: Any) -> None:
    """What a lookup whose value is a parameter pickles to in a key."""


def _kind(value: int | str | list[int], ranges: tuple) -> Any:
    """What the compile of a bound value depends on: its type and, for an integer, which of
    the backend's integer field `ranges` hold it; for an `any_of` list of integers (one array
    parameter, see `_bindable_list`) only whether it is empty (empty compiles to no rows)."""
    if type(value) is str:
        return "str"
    if type(value) is list:
        return ("list", bool(value))
    return tuple(low <= value <= high for low, high in ranges)


# Columns whose value reaches the database as given (Django's own field classes, not their
# subclasses: a subclass may prepare values its own way, lower-casing them say).
_PLAIN_FIELDS = frozenset(
    {
        models.AutoField,
        models.BigAutoField,
        models.SmallAutoField,
        models.IntegerField,
        models.BigIntegerField,
        models.SmallIntegerField,
        models.PositiveIntegerField,
        models.PositiveBigIntegerField,
        models.PositiveSmallIntegerField,
        models.CharField,
        models.TextField,
        models.SlugField,
    }
)


def _plain_column(field: Any) -> bool:
    while isinstance(field, models.ForeignKey):  # a OneToOneField too
        field = field.target_field
    return type(field) in _PLAIN_FIELDS


def _bindable_list(lookup: lookups.Lookup) -> bool:
    """An `any_of` list of integers: on PostgreSQL one array parameter whatever its length
    (perf/db/any_of.py); elsewhere its length is in the SQL, so it stays in the key."""
    rhs = lookup.rhs
    return (
        getattr(_pickling, "vendor", None) == "postgresql"
        and type(rhs) is list
        and all(type(value) is int for value in rhs)
    )


def bindable(lookup: lookups.Lookup) -> bool:
    """Whether the lookup's value can be a parameter of a shared statement."""
    rhs, lhs = lookup.rhs, lookup.lhs
    if type(lhs) is not Col or not _plain_column(lhs.output_field):
        return False
    if isinstance(lookup, AnyOf):
        return _bindable_list(lookup)
    return type(rhs) is int or type(rhs) is str


def _reduce_lookup(lookup: lookups.Lookup) -> Any:
    if bindable(lookup):
        _pickling.bound.append(lookup)
        return _parameter, (type(lookup), lookup.lhs, _kind(lookup.rhs, _pickling.ranges))
    return lookup.__reduce_ex__(pickle.HIGHEST_PROTOCOL)


def _dispatch_table() -> dict[type, Any]:
    """Built once, all models loaded: model rows, fields and lookups pickle as described above."""
    global _dispatch
    if _dispatch is None:
        table: dict[type, Any] = dict.fromkeys(_subclasses(Field), _reduce_field)
        table.update(dict.fromkeys(apps.get_models(include_auto_created=True), _reduce_row))
        for base in (*_BINDABLE_LOOKUPS, AnyOf):
            table.update(dict.fromkeys(_subclasses(base), _reduce_lookup))
        table[Col] = _reduce_col
        _dispatch = table
    return _dispatch


def statement_key(compiler: SQLCompiler) -> tuple[tuple, list[lookups.Lookup]] | None:
    """The key of the statement `compiler` would build and the lookups whose values are its
    parameters (in the order the key met them), or None if it must compile."""
    query = compiler.query
    if query.combinator:
        return None
    if query.select_for_update and compiler.connection.get_autocommit():
        return None  # compiling raises TransactionManagementError: let it
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _dispatch_table()
    _pickling.bound = bound = []
    _pickling.ranges = _ranges(compiler.connection)
    _pickling.vendor = compiler.connection.vendor
    try:
        pickler.dump(query)
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    finally:
        _pickling.bound = None
    key = (
        compiler.using or compiler.connection.alias,
        type(compiler),
        compiler.elide_empty,
        timezone.get_current_timezone_name(),
        buffer.getvalue(),
    )
    return key, bound


_RANGES: dict[str, tuple] = {}


def _ranges(connection: Any) -> tuple:
    found = _RANGES.get(connection.vendor)
    if found is None:
        found = _RANGES[connection.vendor] = tuple(
            sorted(set(connection.ops.integer_field_ranges.values()))
        )
    return found


_UNCACHEABLE = object()  # a shape whose values could not be told apart from its SQL


def _token(value: Any) -> tuple:
    """A bound value as a dictionary key (a list is not hashable)."""
    return (type(value), tuple(value) if type(value) is list else value)


def _stand_ins(values: list[Any], ranges: tuple) -> list[Any] | None:
    """A distinct stand-in for each value, of its type and (integers) its ranges' kind."""
    taken = {_token(value) for value in values}
    found: list[Any] = []
    for i, value in enumerate(values):
        if type(value) is list:
            # Any other integers will do: the statement does not depend on them (_kind).
            candidate: Any = [-1 - i - n for n in range(len(value))]
            if _token(candidate) in taken:  # (an empty list is its own stand-in)
                return None
            taken.add(_token(candidate))
            found.append(candidate)
            continue
        if type(value) is str:
            candidate = f"{value}\x00{i}"
        else:
            kind = _kind(value, ranges)
            candidate = next(
                (
                    c
                    for step in range(1, 64)
                    for c in (value + step + i, value - step - i)
                    if (int, c) not in taken and _kind(c, ranges) == kind
                ),
                value,
            )
            if candidate == value:
                return None
        taken.add(_token(candidate))
        found.append(candidate)
    return found


def _positions(
    compiler: Any, compiled: tuple[str, tuple], bound: list[lookups.Lookup]
) -> list[tuple[int, int]] | None:
    """Where each bound value sits in the compiled parameters: (parameter index, value index),
    or None if the statement does not carry its values as plain parameters."""
    values = [lookup.rhs for lookup in bound]
    stand_ins = _stand_ins(values, _ranges(compiler.connection))
    if stand_ins is None:
        return None
    try:
        for lookup, stand_in in zip(bound, stand_ins, strict=True):
            lookup.rhs = stand_in
        fresh = type(compiler)(
            compiler.query, compiler.connection, compiler.using, compiler.elide_empty
        )
        other = fresh.as_sql()
    except Exception:  # whatever a stand-in trips over, the shape is not shared
        return None
    finally:
        for lookup, value in zip(bound, values, strict=True):
            lookup.rhs = value
    sql, params = compiled
    if other[0] != sql or len(other[1]) != len(params):
        return None
    index_of = {_token(s): i for i, s in enumerate(stand_ins)}
    positions = []
    for place, (real, seen) in enumerate(zip(params, other[1], strict=True)):
        if type(real) is type(seen) and real == seen:
            continue
        i = index_of.get(_token(seen))
        if i is None or type(real) is not type(values[i]) or real != values[i]:
            return None
        positions.append((place, i))
    if {i for _, i in positions} != set(range(len(values))):
        return None
    return positions


def _mode() -> str:
    if not active("statement_cache"):
        return "off"
    return getattr(settings, "SQL_STATEMENT_CACHE", "on")


class CachingCompilerMixin:
    """execute_sql() compiles through the cache; other callers of as_sql() are untouched."""

    def execute_sql(self, *args: Any, **kwargs: Any) -> Any:
        if _mode() != "off":
            self._statement_key = statement_key(self)  # type: ignore[arg-type]
        return super().execute_sql(*args, **kwargs)  # type: ignore[misc]

    def as_sql(self, *args: Any, **kwargs: Any) -> tuple[str, Any]:
        keyed = self.__dict__.pop("_statement_key", None)
        if keyed is None or args or kwargs:
            return super().as_sql(*args, **kwargs)  # type: ignore[misc]
        key, bound = keyed
        found = statements.get(key)
        if found is _UNCACHEABLE:
            return super().as_sql()  # type: ignore[misc]
        if found is None:
            statements.misses += 1
            compiled = super().as_sql()  # type: ignore[misc]
            positions = _positions(self, compiled, bound) if bound else []
            if positions is None:
                statements.put(key, _UNCACHEABLE)
                return compiled
            state = {name: self.__dict__[name] for name in _LAYOUT}
            statements.put(key, (state, compiled, positions))
            return compiled
        statements.hits += 1
        state, compiled, positions = found
        if positions:
            params = list(compiled[1])
            for place, i in positions:
                params[place] = bound[i].rhs
            compiled = (compiled[0], tuple(params))
        if _mode() == "verify":
            _verify(self, compiled, state)
        self.__dict__.update(state)
        return compiled


def _verify(compiler: Any, compiled: tuple[str, Any], state: dict) -> None:
    fresh = type(compiler)(
        compiler.query, compiler.connection, compiler.using, compiler.elide_empty
    )
    again = fresh.as_sql()
    if (again[0], tuple(again[1])) != (compiled[0], tuple(compiled[1])):
        raise StatementCacheMismatch(f"cached {compiled!r}\nfresh  {again!r}")
    if _layout(fresh.__dict__) != _layout(state):
        raise StatementCacheMismatch(f"row layout differs for {compiled[0]}")


def _layout(state: dict) -> tuple:
    """Each selected column's type, SQL and alias, and how many columns rows carry.

    (Not a column's own parameters: nothing reads them once the statement is compiled, and a
    bound value in a selected subquery, the viewer's id in `viewer_supports`, differs.)"""
    columns = tuple(
        (type(expression), sql_params[0], alias)
        for expression, sql_params, alias in state["select"]
    )
    return columns, state["col_count"], state["annotation_col_map"]


_COMPILERS: dict[type, type] = {}


def _caching(base: type[SQLCompiler]) -> type[SQLCompiler]:
    cls = _COMPILERS.get(base)
    if cls is None:
        cls = _COMPILERS[base] = type(f"Caching{base.__name__}", (CachingCompilerMixin, base), {})
    return cls


class CachedStatementQuery(Query):
    """A select whose compiler keeps compiled statements (updates, deletes, inserts and
    aggregates built on other Query classes are not affected)."""

    def get_compiler(self, using=None, connection=None, elide_empty=True):  # type: ignore[no-untyped-def]
        compiler = super().get_compiler(using, connection, elide_empty)
        if type(self) is CachedStatementQuery and isinstance(compiler, SQLCompiler):
            compiler.__class__ = _caching(type(compiler))
        return compiler


class CompiledOnce:
    """QuerySet mixin: the model's selects go through the statement cache."""

    def __init__(
        self,
        model: type[Model] | None = None,
        query: Query | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        if query is None and model is not None:
            query = CachedStatementQuery(model)
        super().__init__(model, query, *args, **kwargs)  # type: ignore[call-arg]
