"""The GraphQL HTTP view: context with agency scope, CSRF for cookie sessions, orjson output."""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from strawberry.django.views import GraphQLView as StrawberryGraphQLView

from graph.context import Context


def _csrf_failure(request: HttpRequest) -> HttpResponse | None:
    """Run Django's CSRF check; returns the refusal response, or None when the request passes."""
    middleware = CsrfViewMiddleware(lambda req: HttpResponse())
    return middleware.process_view(request, None, (), {})


@method_decorator(csrf_exempt, name="dispatch")
class GraphQLView(StrawberryGraphQLView):
    """Cookie-session requests must pass CSRF; anonymous and token requests have nothing to forge."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any):
        if request.method == "POST" and self._uses_session_cookie(request):
            refused = _csrf_failure(request)
            if refused is not None:
                return refused
        return super().dispatch(request, *args, **kwargs)

    @staticmethod
    def _uses_session_cookie(request: HttpRequest) -> bool:
        from django.conf import settings

        return settings.SESSION_COOKIE_NAME in request.COOKIES

    def get_context(self, request: HttpRequest, response: HttpResponse) -> Context:
        return Context(request=request, response=response)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)
