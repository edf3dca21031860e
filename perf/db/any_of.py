"""`field__any_of=[...]`: membership in a list as one array parameter on PostgreSQL.

`field__in=[...]` writes one placeholder per value, so every list length is a statement of its
own that PostgreSQL plans afresh; `= ANY(%s::type[])` is one statement for every list, planned
once and shared by the statement cache. Other databases get the `IN` list. Values must be plain
column values; an empty list matches nothing, as `__in` does.
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
