"""strawberry-django's optimizer, applied by a resolver to a queryset it loads itself."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from strawberry_django.optimizer import optimizer


def optimized(queryset: QuerySet, info: Any) -> QuerySet:
    """The queryset with the columns, joins and prefetches the field's selection needs, as the
    optimizer gives the querysets resolvers return (its own settings; no `only` in mutations).
    Unchanged when the optimizer is not running."""
    extension = optimizer.get(None)
    return extension.optimize(queryset, info) if extension is not None else queryset
