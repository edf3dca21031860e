"""Expected GraphQL errors: each has a stable machine-readable code in `extensions.code`.

Anything raised that is not an `ExpectedError` is a bug and is masked in production.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError


class ExpectedError(Exception):
    """An error a client can cause and handle; its message and code reach the client."""

    code = "BAD_REQUEST"

    def __init__(self, message: str, *, code: str | None = None, **extensions: Any) -> None:
        super().__init__(message)
        if code:
            self.code = code
        self.extensions = {"code": self.code, **extensions}


class NotFound(ExpectedError):
    code = "NOT_FOUND"


class UnknownAgency(ExpectedError):
    code = "UNKNOWN_AGENCY"


class InvalidInput(ExpectedError):
    code = "INVALID_INPUT"


class PermissionDenied(ExpectedError):
    code = "PERMISSION_DENIED"


class QueryRejected(ExpectedError):
    """A document refused before execution (limits, size, disallowed operation)."""

    code = "QUERY_REJECTED"


def is_expected(error: GraphQLError) -> bool:
    """Validation/syntax errors (no original error) and ExpectedError are shown to clients."""
    original = error.original_error
    return original is None or isinstance(original, ExpectedError)


def with_code(error: GraphQLError, code: str) -> GraphQLError:
    extensions = dict(error.extensions or {})
    extensions.setdefault("code", code)
    error.extensions = extensions
    return error
