"""Schemathesis fuzzing of every Query and Mutation field, in-process over WSGI.

The schema is loaded from schema.graphql (introspection is off outside DEBUG); schemathesis
generates documents per root field and posts them to /graphql/ through Django's WSGI app, as
anonymous and as a participant signed in with a Bearer token. Nothing may be a server error:
no 5xx, no "Internal server error", and every error carries a client code in
`extensions.code`. FUZZ_EXAMPLES (default 50) sets the examples per operation and viewer.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest
import schemathesis
from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes

from accounts.tokens import create_token
from tests.factories import UserFactory
from tests.security.conftest import IN_CI, INTERNAL

# CI (CI=true) runs the full count, 100 per operation and viewer; locally 50.
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100" if IN_CI else "50"))

schemathesis.graphql.scalar(
    "DateTime",
    st.sampled_from(["2030-01-01T00:00:00+00:00", "2000-01-01T00:00:00", "soon", ""]).map(
        nodes.String
    ),
)
api = schemathesis.graphql.from_path(str(Path(settings.BASE_DIR) / "schema.graphql"))
api.app = get_wsgi_application()
api.location = "/graphql/"

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(scope="module")
def participant_token(django_db_setup, django_db_blocker):
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        try:
            user = UserFactory(username="fuzz-participant", display_name="Fuzz")
            yield create_token(user, name="fuzz")[1]
        finally:
            transaction.set_rollback(True)


@pytest.fixture(autouse=True, scope="module")
def _in_process():
    """As Django's test Client does: the WSGI handler must not close the test's connection at
    request start/end (in a transaction, close_old_connections would close it on PostgreSQL).
    Expected errors are logged by strawberry with a traceback: silence them for the run."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    logger = logging.getLogger("strawberry.execution")
    was, logger.disabled = logger.disabled, True
    yield
    logger.disabled = was
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def check_response(case, response) -> None:
    assert response.status_code < 500, (case.body, response.text)
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"not JSON: {response.text[:500]}") from None
    for error in body.get("errors") or []:
        assert error.get("message") != INTERNAL, (case.body, body)
        assert (error.get("extensions") or {}).get("code"), (case.body, error)


# Deterministic, no example database, every health check off: the same run in CI and locally.
FUZZ_SETTINGS = hypothesis_settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@api.parametrize()
@FUZZ_SETTINGS
def test_fuzz_anonymous(case):
    cache.clear()  # rate limits would otherwise refuse most of the run before it starts
    check_response(case, case.call())


@api.parametrize()
@FUZZ_SETTINGS
def test_fuzz_participant_with_token(case, participant_token):
    cache.clear()
    check_response(case, case.call(headers={"Authorization": f"Bearer {participant_token}"}))
