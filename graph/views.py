"""The GraphQL HTTP view: context with agency scope, CSRF for cookie sessions, orjson output.

Every refusal the view makes itself (bad JSON, no query, mutation over GET, CSRF, oversized body,
GraphiQL switched off) is a GraphQL-shaped JSON body with a 4xx status and `extensions.code`, so
a frontend handles one error format.
"""

from __future__ import annotations

from typing import Any

import orjson
from cross_web import HTTPException  # what strawberry's views raise (a strawberry dependency)
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from strawberry.django.views import GraphQLView as StrawberryGraphQLView
from strawberry.schema.exceptions import InvalidOperationTypeError

from graph.auth import InvalidToken, authenticate_bearer
from graph.context import Context
from graph.engine import answer_cache
from graph.security import NUL_REFUSED
from graph.trusted_documents import DocumentRefused, register_pending, resolve_document

_CODES = {
    400: "BAD_REQUEST",
    401: "INVALID_TOKEN",
    403: "CSRF_FAILED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
}


def _csrf_failure(request: HttpRequest) -> HttpResponse | None:
    """Run Django's CSRF check; returns the refusal response, or None when the request passes."""
    middleware = CsrfViewMiddleware(lambda req: HttpResponse())
    return middleware.process_view(request, None, (), {})


class _Refused(HTTPException):
    """A refusal with its own `extensions.code`."""

    def __init__(self, status: int, reason: str, code: str) -> None:
        super().__init__(status, reason)
        self.code = code


_NUL_MARKERS = (b"\\u0000", b"\x00")


def _carries_nul(request: HttpRequest) -> bool:
    """PostgreSQL cannot store U+0000 in text, so any argument carrying it would end in a
    database error; refuse it here, before parsing, as a bad request (JSON `\\u0000`, a raw NUL
    byte, or `%00` / `\\u0000` in a GET query string). GraphQL's braced escape (`\\u{0}`) only
    the parser sees: graph.security.NoNulCharacters refuses it."""
    if request.method == "GET":
        raw = request.META.get("QUERY_STRING", "").lower()
        return "%00" in raw or "\\u0000" in raw or "%5cu0000" in raw
    body = request.body.lower()
    return any(marker in body for marker in _NUL_MARKERS)


class _MethodNotAllowed(HTTPException):
    def __init__(self, reason: str, allow: str) -> None:
        super().__init__(405, reason)
        self.allow = allow


def error_response(
    status: int, message: str, code: str | None = None, *, allow: str | None = None
) -> HttpResponse:
    """A GraphQL-over-HTTP error body for requests refused before any execution."""
    body = {"errors": [{"message": message, "extensions": {"code": code or _CODES[status]}}]}
    response = HttpResponse(orjson.dumps(body), status=status, content_type="application/json")
    if status == 405:
        response["Allow"] = allow or "GET, POST"
    return response


@method_decorator(csrf_exempt, name="dispatch")
class GraphQLView(StrawberryGraphQLView):
    """Cookie-session requests must pass CSRF; anonymous and token requests have nothing to
    forge. Limits and error policy live in graph/security.py; this class only speaks HTTP."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            uses_token = authenticate_bearer(request)
        except InvalidToken:
            return error_response(
                401, "The API token is unknown, revoked or expired.", "INVALID_TOKEN"
            )
        try:
            if _carries_nul(request):
                return error_response(400, NUL_REFUSED, "INVALID_INPUT")
            if request.method == "POST" and not uses_token and self._uses_session_cookie(request):
                refused = _csrf_failure(request)
                if refused is not None:
                    return error_response(
                        403,
                        "CSRF verification failed: send the csrftoken cookie's value in "
                        "the X-CSRFToken header.",
                    )
            return self.run(request=request)
        except HTTPException as exc:
            code, allow = getattr(exc, "code", None), getattr(exc, "allow", None)
            return error_response(exc.status_code, exc.reason, code, allow=allow)
        except RequestDataTooBig:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return error_response(413, f"Request body larger than {limit} bytes.", "TOO_LARGE")

    def run(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        """Anonymous query answers may come from the answer cache (graph/engine/answer_cache.py)."""
        return answer_cache.serve(
            request, lambda: super(GraphQLView, self).run(request, *args, **kwargs)
        )

    @staticmethod
    def _uses_session_cookie(request: HttpRequest) -> bool:
        return settings.SESSION_COOKIE_NAME in request.COOKIES

    def render_graphql_ide(self, request: HttpRequest) -> HttpResponse:
        """GraphiQL only while settings.GRAPHQL["GRAPHIQL"] is on (read per request)."""
        if not settings.GRAPHQL["GRAPHIQL"]:
            raise HTTPException(404, "GraphiQL is disabled; POST GraphQL documents here.")
        return super().render_graphql_ide(request)

    def parse_json(self, data: str | bytes) -> Any:
        """Only an object (or a batch list) is a request; `"x"` or `1` must not reach `.get()`."""
        parsed = super().parse_json(data)
        if isinstance(parsed, list) and self.schema.config.batching_config is None:
            # Refused before any of its operations is even read.
            raise _Refused(
                400, "Batching is not allowed: send one operation per request.", "BATCH_NOT_ALLOWED"
            )
        if not isinstance(parsed, dict | list):
            raise HTTPException(400, "The request body must be a JSON object.")
        return parsed

    def parse_http_body(self, request: Any) -> Any:
        """Size limits on the document and variables, then trusted documents / APQ
        (graph/trusted_documents.py): the document to run may come from the store."""
        data = super().parse_http_body(request)
        if isinstance(data, list):
            return data
        limits = settings.GRAPHQL
        if data.query is not None and len(data.query.encode()) > limits["MAX_DOCUMENT_BYTES"]:
            raise _Refused(
                413,
                f"GraphQL document larger than {limits['MAX_DOCUMENT_BYTES']} bytes.",
                "DOCUMENT_TOO_LARGE",
            )
        if data.variables and len(orjson.dumps(data.variables)) > limits["MAX_VARIABLES_BYTES"]:
            raise _Refused(
                413,
                f"GraphQL variables larger than {limits['MAX_VARIABLES_BYTES']} bytes.",
                "VARIABLES_TOO_LARGE",
            )
        try:
            data.query = resolve_document(data.query, data.extensions, self._graphql_context)
        except DocumentRefused as exc:
            raise _Refused(exc.status, exc.message, exc.code) from exc
        return data

    def execute_single(self, *args: Any, **kwargs: Any):
        """A mutation sent with GET is 405 (GraphQL over HTTP), not a plain 400."""
        try:
            result = super().execute_single(*args, **kwargs)
        except HTTPException as exc:
            if isinstance(exc.__cause__, InvalidOperationTypeError):
                raise _MethodNotAllowed(exc.reason, allow="POST") from exc
            raise
        if result.data is not None:  # the document parsed and validated: APQ may store it
            register_pending(self._graphql_context)
        return result

    def get_context(self, request: HttpRequest, response: HttpResponse) -> Context:
        # Kept for parse_http_body (trusted documents depend on the agency scope).
        self._graphql_context = Context(request=request, response=response)
        return self._graphql_context

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)
