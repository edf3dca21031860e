"""Per-process caches of parsed documents and of clean validations.

A frontend sends the same few documents over and over; parsing one costs about 0.5 ms and
validating it (graphql-core's rules plus our depth, alias and cost limits) 3 to 4 ms, a large share
of a fast request. Both results are pure functions of their inputs, so they are kept in small
LRU maps:

- parsed documents, keyed by the document text and the token limit (parse errors are not kept);
- "this document validated cleanly", keyed by the document text, every limit setting that a
  rule reads, and the variables a rule can read: the cost rule takes page sizes (`first`/`last`)
  from integer variables and ignores every other value, so only integer variables are part of
  the key (a mutation's ids and texts, new on every request, are not). Only documents that
  passed every rule are kept: a refused document is validated again each time, with its errors
  built fresh.

The cache is an optimisation only: a miss runs exactly the normal path.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from strawberry.extensions import SchemaExtension

from graph.cost import integer_variables
from graph.security import LIMIT_SETTINGS
from perf.lru import Lru
from perf.switches import active

# Documents are at most GRAPHQL["MAX_DOCUMENT_BYTES"] long, so these bound the memory used.
PARSED_SIZE = 256
VALIDATED_SIZE = 1024

# Every setting a validation rule reads (graph/security.py).
_RULE_SETTINGS = (*LIMIT_SETTINGS, "MAX_DIRECTIVES")


parsed = Lru(PARSED_SIZE)
validated = Lru(VALIDATED_SIZE)


def _validation_key(query: str, variables: dict | None) -> tuple:
    limits = tuple(settings.GRAPHQL[name] for name in _RULE_SETTINGS)
    return (query, limits, integer_variables(variables))


class DocumentCache(SchemaExtension):
    """Reuses parsed documents and clean validations (see the module docstring)."""

    def on_parse(self) -> Iterator[None]:
        ctx = self.execution_context
        key = None
        if ctx.query and ctx.graphql_document is None and active("document_cache"):
            key = (ctx.query, ctx.parse_options.get("max_tokens"))
            document = parsed.get(key)
            if document is not None:
                ctx.graphql_document = document
                key = None
        yield
        if key is not None and ctx.graphql_document is not None:
            parsed.put(key, ctx.graphql_document)

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        key = None
        if ctx.query and ctx.pre_execution_errors is None and active("document_cache"):
            key = _validation_key(ctx.query, ctx.variables)
            if validated.get(key):
                ctx.pre_execution_errors = []  # strawberry then skips validation
                key = None
        yield
        if key is not None and ctx.pre_execution_errors == []:
            validated.put(key, True)
