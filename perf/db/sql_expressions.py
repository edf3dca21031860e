"""Expressions written out as SQL around one column of the outer query.

Django resolves a subquery into each query that uses it by cloning and relabelling the whole
inner query; an expression that writes its SQL itself resolves only the column it compares
with. Subclasses give `as_sql`, compiling `self.column` where the outer value goes and using
inner aliases of their own, so that no outer alias can shadow them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Expression


class AroundColumn(Expression):
    def __init__(self, column: Any) -> None:
        super().__init__()
        self.column = column

    def get_source_expressions(self) -> list[Any]:
        return [self.column]

    def set_source_expressions(self, expressions: list[Any]) -> None:
        (self.column,) = expressions
