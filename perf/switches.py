"""Which parts of the speed layer run.

Three layers, each with one switch in settings (`SPEED_LAYERS`, from `PERF_DB`,
`PERF_RUNTIME` and `GRAPH_ENGINE`); with all three off the service is plain
strawberry-django on Django. Single parts can be turned off on their own
(`PERF_PARTS_OFF=statement_cache,type_checks`), to measure what each one is worth or to
rule one out while hunting a bug. A layer whose library versions differ from the ones it
was tested with is off whatever the settings say (`perf.compat`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DB = "DB"
RUNTIME = "RUNTIME"
ENGINE = "ENGINE"

# Every part, and the layer it belongs to.
PARTS: dict[str, str] = {
    "statement_cache": DB,  # compiled SQL reused per query shape (perf/db/statement_cache.py)
    "row_building": DB,  # rows built from their columns without Model.__init__
    "list_loading": DB,  # a row knows the list it was loaded with (perf/db/row_loading.py)
    "timestamps": DB,  # psycopg's C timestamptz loader (perf/db/timestamps.py)
    "transactions": DB,  # no savepoints, one locked read inside a mutation's transaction
    "heap": RUNTIME,  # import-time heap frozen, rarer collections (perf/runtime/heap.py)
    "stack_headroom": RUNTIME,  # requests run in a roomy frame-stack chunk (CPython 3.11-3.12)
    "executor": ENGINE,  # trivial fields resolved without the per-field stack
    "type_checks": ENGINE,  # generated is_type_of answered by the value's class
    "document_cache": ENGINE,  # parsed and validated documents kept per process
    "comment_pages": ENGINE,  # every proposal's comment page in one statement
    "counted_connections": ENGINE,  # totalCount by a scalar subquery, not a window
}


def check_settings() -> None:
    """Refuse unknown part names at start-up rather than ignoring them."""
    unknown = set(settings.SPEED_PARTS_OFF) - PARTS.keys()
    if unknown:
        raise ImproperlyConfigured(
            f"PERF_PARTS_OFF names unknown parts {sorted(unknown)}; known: {sorted(PARTS)}"
        )


def layer_on(layer: str) -> bool:
    from perf import compat

    return bool(settings.SPEED_LAYERS[layer]) and compat.layer_supported(layer)


def active(part: str) -> bool:
    """Whether `part` runs now (read at call time, so tests can switch it)."""
    return part not in settings.SPEED_PARTS_OFF and layer_on(PARTS[part])
