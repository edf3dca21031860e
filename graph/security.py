"""Endpoint limits and error policy, read from settings.GRAPHQL on every operation.

Reading settings per operation (a dict lookup) keeps one schema object for development and
production and lets tests switch the policy with Django's `settings` fixture.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.conf import settings
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.extensions.max_aliases import create_validator as max_aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as max_depth_rule

from graph.errors import is_expected

_SUGGESTION = re.compile(r"\s*Did you mean .*$", re.DOTALL)


def graphql_setting(name: str):
    return settings.GRAPHQL[name]


class EndpointLimits(SchemaExtension):
    """Depth, alias and token limits, introspection gate and suggestion stripping."""

    def on_operation(self) -> Iterator[None]:
        ctx = self.execution_context
        ctx.parse_options["max_tokens"] = graphql_setting("MAX_TOKENS")
        rules = [
            max_depth_rule(graphql_setting("MAX_DEPTH"), None, None),
            max_aliases_rule(graphql_setting("MAX_ALIASES")),
        ]
        if not graphql_setting("INTROSPECTION"):
            rules.append(NoSchemaIntrospectionCustomRule)
        ctx.validation_rules = (*ctx.validation_rules, *rules)
        yield
        if not settings.DEBUG and ctx.result is not None and ctx.result.errors:
            for error in ctx.result.errors:
                error.message = _SUGGESTION.sub("", error.message)


def _should_mask(error: GraphQLError) -> bool:
    return graphql_setting("MASK_ERRORS") and not is_expected(error)


def security_extensions() -> list:
    return [
        EndpointLimits,
        MaskErrors(should_mask_error=_should_mask, error_message="Internal server error"),
    ]
