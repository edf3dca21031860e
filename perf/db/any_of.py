"""`field__any_of=[...]`: membership in a list as one array parameter on PostgreSQL.

`field__in=[...]` puts one placeholder per value in the statement, so every list length is a
statement text of its own, and PostgreSQL plans a long list afresh on every execution: it never
settled on a generic plan for Q1's comment pages (50 proposal ids), whose planning (≈ 2 ms)
cost more than running it (bench/PROFILE.md, session 8). `= ANY(%s::type[])` is one statement
for every list, which PostgreSQL plans once, and which the statement cache can share across
lists (perf/db/statement_cache.py binds it like `=`). Other databases get the `IN` list.

The values must be plain values of the column (ids, not rows); an empty list matches nothing,
as `__in` does.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, Lookup


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False  # the value is a list: each element is prepared below

    def get_prep_lookup(self) -> list[Any]:
        if isinstance(self.rhs, str | bytes) or not hasattr(self.rhs, "__iter__"):
            raise TypeError(f"{self.lookup_name} takes a list of values, not {self.rhs!r}")
        field = self.lhs.output_field
        return [field.get_prep_value(value) for value in self.rhs]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(v, connection, prepared=True) for v in self.rhs]
        if not values:
            raise EmptyResultSet
        column_type = field.db_type(connection) if connection.vendor == "postgresql" else None
        if column_type is None:
            placeholders = ", ".join(["%s"] * len(values))
            return f"{lhs} IN ({placeholders})", [*lhs_params, *values]
        return f"{lhs} = ANY(%s::{column_type}[])", [*lhs_params, values]


Field.register_lookup(AnyOf)
# Relations take their lookups from ForeignObject down, not from Field.
ForeignObject.register_lookup(AnyOf)
