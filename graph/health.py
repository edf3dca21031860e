"""Liveness and readiness: the process answers and the database answers."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.views.decorators.http import require_safe

HEALTH_PATHS = frozenset({"/healthz", "/healthz/"})


def _check_database() -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure makes the instance unhealthy
        return JsonResponse({"status": "error", "database": type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """The routed view; normally HealthCheckMiddleware answers before routing."""
    return _check_database()


class HealthCheckMiddleware:
    """Answers /healthz before host validation, the HTTPS redirect and sessions.

    Probes from Docker's HEALTHCHECK or a load balancer address the instance by IP over plain
    HTTP; ALLOWED_HOSTS and SECURE_SSL_REDIRECT would otherwise turn them into 400s and 301s.
    The answer reveals nothing but "ok" or the database error's class name.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info not in HEALTH_PATHS:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return _check_database()
