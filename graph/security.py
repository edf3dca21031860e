"""Endpoint limits and error policy, read from settings.GRAPHQL on every operation.

Reading settings per operation (a dict lookup) keeps one schema object for development and
production and lets tests switch the policy with Django's `settings` fixture.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from django.conf import settings
from graphql import (
    DirectiveNode,
    ExecutionResult,
    GraphQLError,
    GraphQLSyntaxError,
    StringValueNode,
    Visitor,
    get_operation_ast,
    visit,
)
from graphql.validation import NoSchemaIntrospectionCustomRule, ValidationContext, ValidationRule
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.extensions.max_aliases import create_validator as max_aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as max_depth_rule
from strawberry.types.graphql import OperationType

from graph import ratelimit
from graph.cost import cost_rule, integer_variables
from graph.errors import InvalidInput, QueryRejected, is_expected, with_code
from graph.trusted_documents import agency_requirement
from perf.lru import Lru

_SUGGESTION = re.compile(r"\s*Did you mean .*$", re.DOTALL)
# graphql-core's parser limits (max_tokens, its built-in nesting limit) report these messages.
_PARSER_LIMITS = ("Document contains more than", "Document is nested too deeply")


NUL_REFUSED = "NUL characters (U+0000) are not accepted in documents or variables."


def graphql_setting(name: str) -> Any:
    return settings.GRAPHQL[name]


class NoNulCharacters(ValidationRule):
    """PostgreSQL cannot store U+0000 in text, so a string carrying it would end in a database
    error. The endpoint refuses raw and JSON-escaped NUL bytes before parsing; only the parser
    sees GraphQL's own escapes (`\\u0000`, `\\u{0}`), so literals are checked here."""

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if "\x00" in node.value:
            self.report_error(
                GraphQLError(NUL_REFUSED, node, extensions={"code": InvalidInput.code})
            )


def carries_nul(value: Any) -> bool:
    """Whether a decoded variable value holds U+0000 in any string, key or nested item."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(carries_nul(k) or carries_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(carries_nul(item) for item in value)
    return False


class _RejectingContext:
    """Forwards to the real ValidationContext, tagging reported errors as QUERY_REJECTED.

    The limit rules report through the context they were built with; wrapping it (rather than
    matching messages afterwards) tags exactly their errors and no other validation error.
    """

    def __init__(self, inner: ValidationContext) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def report_error(self, error: GraphQLError) -> None:
        self._inner.report_error(with_code(error, QueryRejected.code))


def _rejecting(rule: type[ValidationRule]) -> type[ValidationRule]:
    class Rejecting(rule):  # type: ignore[misc, valid-type]
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(_RejectingContext(context))  # type: ignore[arg-type]

    Rejecting.__name__ = Rejecting.__qualname__ = f"Rejecting{rule.__name__}"
    return Rejecting


# The settings the limit rules read, in `limit_rules`' order (the validation cache keys on
# these and MAX_DIRECTIVES: graph.engine.document_cache).
LIMIT_SETTINGS = (
    "MAX_DEPTH",
    "MAX_ALIASES",
    "MAX_COST",
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "INTROSPECTION",
)


@lru_cache(maxsize=256)
def limit_rules(
    limits: tuple[Any, ...], sizes: tuple[tuple[str, int], ...]
) -> tuple[type[ValidationRule], ...]:
    """The limit rules for these settings (`LIMIT_SETTINGS`, in order) and page-size
    variables: built once, not on every request (seven classes each time, ≈ 0.15 ms, even when
    the document's validation is cached; bench/PROFILE.md, session 7)."""
    max_depth, max_aliases, max_cost, default_page, max_page, introspection = limits
    rules = [
        max_depth_rule(max_depth, None, None),
        max_aliases_rule(max_aliases),
        cost_rule(max_cost, dict(sizes), default_page=default_page, max_page=max_page),
    ]
    if not introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    return tuple(map(_rejecting, rules))


class EndpointLimits(SchemaExtension):
    """Depth, alias and token limits, introspection gate and suggestion stripping.

    All of them act at parse or validation time, so a refused document runs no resolver.
    """

    def on_validate(self) -> Iterator[None]:
        """Too many directives: refuse with one error instead of validating them all (300
        repeated `@include` would otherwise produce hundreds of errors)."""
        ctx = self.execution_context
        if carries_nul(ctx.variables):
            # Checked on every request: the validation cache does not key on string variables.
            ctx.pre_execution_errors = [
                GraphQLError(NUL_REFUSED, extensions={"code": InvalidInput.code})
            ]
            yield
            return
        limit = graphql_setting("MAX_DIRECTIVES")
        if ctx.graphql_document is not None and ctx.pre_execution_errors is None:
            count = _count_directives(ctx.graphql_document)
            if count > limit:
                ctx.pre_execution_errors = [
                    GraphQLError(
                        f"{count} directives found. Allowed: {limit}.",
                        extensions={"code": QueryRejected.code},
                    )
                ]
        yield

    def on_execute(self) -> Iterator[None]:
        """An agency's trusted-documents requirement, then rate limits: both before execution;
        a refusal sets the result, and strawberry then runs nothing of the document."""
        ctx = self.execution_context
        document = ctx.graphql_document
        operation = get_operation_ast(document, ctx.operation_name) if document else None
        if operation is None:
            yield
            return
        counts = ratelimit.mutation_fields(document, operation)
        refused = agency_requirement(ctx.context, ctx.query, reads_data=bool(counts))
        if refused is not None:
            ctx.result = ExecutionResult(data=None, errors=[refused])
        elif ctx.operation_type is OperationType.MUTATION:
            request = getattr(ctx.context, "request", None)
            if request is not None:
                refusal = ratelimit.check(ratelimit.identity(request), counts)
                if refusal is not None:
                    error = GraphQLError(
                        refusal.message,
                        extensions={"code": "RATE_LIMITED", "retryAfter": refusal.retry_after},
                    )
                    ctx.result = ExecutionResult(data=None, errors=[error])
        yield

    def on_operation(self) -> Iterator[None]:
        ctx = self.execution_context
        ctx.parse_options["max_tokens"] = graphql_setting("MAX_TOKENS")
        limits = tuple(graphql_setting(name) for name in LIMIT_SETTINGS)
        rules = limit_rules(limits, integer_variables(ctx.variables))
        ctx.validation_rules = (*ctx.validation_rules, *rules, NoNulCharacters)
        yield
        if ctx.result is None or not ctx.result.errors:
            return
        for error in ctx.result.errors:
            if isinstance(error, GraphQLSyntaxError) and any(
                limit in error.message for limit in _PARSER_LIMITS
            ):
                with_code(error, QueryRejected.code)
            client_fault = error.original_error is None or isinstance(
                error.original_error, GraphQLError
            )
            if client_fault and not (error.extensions or {}).get("code"):
                # Syntax, validation and variable-coercion errors: the client's mistake, coded.
                parse = isinstance(error, GraphQLSyntaxError)
                with_code(error, "GRAPHQL_PARSE_FAILED" if parse else "GRAPHQL_VALIDATION_FAILED")
            if not settings.DEBUG:
                # "Did you mean ...?" would let anyone map the schema with introspection off.
                error.message = _SUGGESTION.sub("", error.message)


class _DirectiveCounter(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
        self.count += 1


# Parsed documents are cached and reused (graph.engine.document_cache), so is their count; the entry
# keeps its document alive, so the id cannot be reused for another while it is here.
_directive_counts = Lru(1024)


def _count_directives(document: Any) -> int:
    known = _directive_counts.get(id(document))
    if known is not None and known[0] is document:
        return known[1]
    counter = _DirectiveCounter()
    visit(document, counter)
    _directive_counts.put(id(document), (document, counter.count))
    return counter.count


def _should_mask(error: GraphQLError) -> bool:
    return graphql_setting("MASK_ERRORS") and not is_expected(error)


def _innermost_module(exc: BaseException) -> str:
    """The module of the innermost non-stdlib Python frame an exception was raised from."""
    modules = []
    tb = exc.__traceback__
    while tb is not None:
        modules.append(tb.tb_frame.f_globals.get("__name__", ""))
        tb = tb.tb_next
    for module in reversed(modules):
        if module.partition(".")[0] not in sys.stdlib_module_names:
            return module
    return ""


def _client_pagination_error(error: GraphQLError) -> GraphQLError:
    """strawberry's relay code refuses bad `first`/`last`/cursors with plain ValueError/TypeError.

    Those are the client's mistakes, not bugs: turn them into INVALID_INPUT so they are not
    masked as "Internal server error". Only errors raised by strawberry.relay itself qualify; a
    ValueError from our own resolvers stays unexpected.
    """
    original = error.original_error
    if not isinstance(original, ValueError | TypeError) or isinstance(original, InvalidInput):
        return error
    if not _innermost_module(original).startswith("strawberry.relay"):
        return error
    message = str(original)
    if not message.startswith("Argument '"):
        message = "Invalid pagination cursor: use a cursor this API returned."
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=InvalidInput(message),
    )


class MaskUnexpectedErrors(MaskErrors):
    """Replaces a bug's message (which may quote data or SQL) with a generic one and a code.

    The original is still logged by strawberry before masking reaches the client. Built per
    request from the class (MaskErrors keeps per-operation state; a shared instance would leak
    it between concurrent requests).
    """

    def __init__(self) -> None:
        super().__init__(should_mask_error=_should_mask, error_message="Internal server error")

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return super()._process_errors([_client_pagination_error(e) for e in errors])

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL_SERVER_ERROR"}
        return masked


def security_extensions() -> list[type[SchemaExtension]]:
    return [EndpointLimits, MaskUnexpectedErrors]
