"""The /graphql/ endpoint over HTTP: limits, production policy, CSRF, CORS, health, bad input.

Refused documents must run no resolver: a spy on Agency's manager (the only data the `agencies`
root field reads) and a zero-query assertion prove it, with a positive control showing the spy
does see an accepted document.
"""

from __future__ import annotations

import json
import secrets
import string

import pytest
import strawberry
from django.conf import settings as django_settings
from django.contrib.auth.models import AnonymousUser
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import path

from graph.context import Info
from graph.errors import NotFound
from graph.schema import schema
from graph.security import security_extensions
from graph.views import GraphQLView
from permissions.models import Agency
from tests.conftest import GraphQLClient
from tests.security.conftest import context_for

AGENCIES = "{ agencies { totalCount edges { node { id slug name } } } }"


def _messages(result) -> str:
    return " | ".join(e["message"] for e in result.errors)


# --- a tiny schema with a mutation and a scope reader, served by the real view --------------

_calls: list[str] = []


@strawberry.type
class _Query:
    @strawberry.field
    def scope(self, info: Info) -> str | None:
        _calls.append("scope")
        agency = info.context.scope
        return agency.slug if agency else None


@strawberry.type
class _Mutation:
    @strawberry.mutation
    def touch(self) -> int:
        _calls.append("touch")
        return len(_calls)


_probe_schema = strawberry.Schema(
    query=_Query, mutation=_Mutation, extensions=security_extensions()
)
urlpatterns = [path("graphql/", GraphQLView.as_view(schema=_probe_schema))]


@pytest.fixture
def probe_calls() -> list[str]:
    _calls.clear()
    return _calls


# --- limits -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        pytest.param(
            "{ agencies { edges { node { " + "f { " * 50 + "id" + " }" * 50 + " } } } }",
            "exceeds maximum operation depth of 12",
            id="depth-50",
        ),
        pytest.param(
            "{ " + " ".join(f"a{i}: agencies {{ totalCount }}" for i in range(100)) + " }",
            "100 aliases found. Allowed: 30",
            id="aliases-100",
        ),
        pytest.param(
            "{ agencies { totalCount } " + "a " * 6_000 + "}",
            "Document contains more than 5000 tokens",
            id="tokens-20000",
        ),
    ],
)
def test_oversized_documents_are_refused_before_any_resolver(
    gql, agency_a, agency_reads, django_assert_num_queries, document, expected
):
    with django_assert_num_queries(0):
        result = gql.execute(document)
    assert result.status == 200
    assert result.data is None
    assert expected in _messages(result)
    assert "QUERY_REJECTED" in result.codes
    assert agency_reads == []


def test_documents_within_the_limits_do_run(gql, agency_a, agency_reads):
    """Positive control for the spy above: 30 aliases (the limit) execute and read agencies."""
    document = "{ " + " ".join(f"a{i}: agencies {{ totalCount }}" for i in range(30)) + " }"
    data = gql.ok(document)
    assert data["a29"]["totalCount"] == 1
    assert agency_reads


def test_limits_follow_settings_at_request_time(gql, agency_a, settings):
    settings.GRAPHQL = {**settings.GRAPHQL, "MAX_ALIASES": 2}
    result = gql.execute("{ a: agencies { totalCount } b: agencies { totalCount } c: __typename }")
    assert "3 aliases found. Allowed: 2" in _messages(result)


def test_deep_nesting_within_the_token_limit_is_a_clear_error(gql, agency_a, agency_reads):
    """~1,600 levels fit in 5,000 tokens; the recursive parser must not turn that into a 500."""
    document = "{ " + "a { " * 1600 + "b" + " }" * 1601
    result = gql.execute(document)
    assert result.status == 200
    assert "nested too deeply" in _messages(result)
    assert result.codes == ["QUERY_REJECTED"]
    assert agency_reads == []


# --- production policy ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    ["{ __schema { types { name } } }", '{ __type(name: "Agency") { name fields { name } } }'],
)
def test_production_refuses_introspection(gql, production, document):
    result = gql.execute(document)
    assert result.data is None
    assert "introspection has been disabled" in _messages(result)
    assert set(result.codes) == {"QUERY_REJECTED"}


def test_introspection_is_available_in_development(gql, settings):
    settings.GRAPHQL = {**settings.GRAPHQL, "INTROSPECTION": True}
    data = gql.ok("{ __schema { types { name } } }")
    assert "Agency" in {t["name"] for t in data["__schema"]["types"]}


def test_typename_is_not_introspection(gql, production):
    assert gql.ok("{ __typename }") == {"__typename": "Query"}


def test_graphiql_is_served_when_enabled(client, settings):
    settings.GRAPHQL = {**settings.GRAPHQL, "GRAPHIQL": True}
    response = client.get("/graphql/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"graphiql" in response.content.lower()


def test_graphiql_is_not_served_when_disabled(client, db, settings):
    settings.GRAPHQL = {**settings.GRAPHQL, "GRAPHIQL": False}
    response = client.get("/graphql/", HTTP_ACCEPT="text/html")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("text/html")
    assert b"graphiql" not in response.content.lower().replace(b"graphiql is disabled", b"")


@pytest.mark.parametrize("exc_type", [RuntimeError, ValueError])
def test_unexpected_errors_are_masked_in_production(
    gql, agency_a, production, monkeypatch, exc_type
):
    def broken(self):
        raise exc_type("secret detail: password=hunter2")

    monkeypatch.setattr(Agency, "name", property(broken))
    result = gql.execute(AGENCIES)
    assert result.status == 200
    assert result.errors[0]["message"] == "Internal server error"
    assert result.codes == ["INTERNAL_SERVER_ERROR"]
    assert "hunter2" not in json.dumps(result.body)


def test_unexpected_errors_show_when_masking_is_off(gql, agency_a, settings, monkeypatch):
    """Control for the masking test: the same failure is visible with MASK_ERRORS off."""
    settings.GRAPHQL = {**settings.GRAPHQL, "MASK_ERRORS": False}

    def broken(self):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(Agency, "name", property(broken))
    result = gql.execute(AGENCIES)
    assert "secret detail" in _messages(result)


def test_expected_errors_keep_message_and_code_in_production(
    gql, agency_a, production, monkeypatch
):
    def gone(self):
        raise NotFound("This agency was merged into another.")

    monkeypatch.setattr(Agency, "name", property(gone))
    result = gql.execute(AGENCIES)
    assert result.errors[0]["message"] == "This agency was merged into another."
    assert result.codes == ["NOT_FOUND"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("first: 500", "Argument 'first' cannot be higher than 100."),
        ("first: -1", "Argument 'first' must be a non-negative integer."),
        ('after: "zzz"', "Invalid pagination cursor"),
        ('after: "YXJyYXljb25uZWN0aW9uOng="', "Invalid pagination cursor"),
    ],
)
def test_bad_pagination_arguments_are_client_errors_in_production(
    gql, agency_a, production, arguments, message
):
    """strawberry refuses these with a bare ValueError; they must not look like server bugs."""
    result = gql.execute(f"{{ agencies({arguments}) {{ totalCount }} }}")
    assert result.codes == ["INVALID_INPUT"]
    assert message in _messages(result)


@pytest.mark.urls(__name__)
def test_unknown_agency_scope_is_a_typed_error(gql, agency_a, production, probe_calls):
    result = gql.execute("{ scope }", headers={"X-Agency": "no-such-agency"})
    assert result.codes == ["UNKNOWN_AGENCY"]
    assert "no-such-agency" in _messages(result)
    assert gql.ok("{ scope }", headers={"X-Agency": "agency-a"}) == {"scope": "agency-a"}


def test_no_field_suggestions_in_production(gql, production):
    result = gql.execute("{ agencie { totalCount } }")
    assert "Cannot query field 'agencie'" in _messages(result)
    assert "Did you mean" not in json.dumps(result.body)


def test_field_suggestions_in_development(gql, settings):
    """Control: the suggestion exists, so the production test above can fail."""
    settings.DEBUG = True
    result = gql.execute("{ agencie { totalCount } }")
    assert "Did you mean 'agencies'" in _messages(result)


# --- HTTP methods ---------------------------------------------------------------------------


def test_queries_over_get(gql, agency_a, agency_b):
    result = gql.execute(AGENCIES, method="get")
    assert result.status == 200, result.body
    assert result.data["agencies"]["totalCount"] == 2


@pytest.mark.urls(__name__)
def test_mutation_over_get_is_refused_without_execution(db, gql, probe_calls):
    result = gql.execute("mutation { touch }", method="get")
    assert result.status == 405
    assert result.codes == ["METHOD_NOT_ALLOWED"]
    assert probe_calls == []
    # Control: the same mutation over POST runs.
    assert gql.ok("mutation { touch }") == {"touch": 1}
    assert probe_calls == ["touch"]


def test_mutation_over_get_is_refused_on_the_real_schema(gql):
    result = gql.execute("mutation { anything }", method="get")
    assert result.status == 405
    assert "mutations are not allowed when using GET" in _messages(result)


def test_other_methods_are_405(client):
    response = client.put("/graphql/", "{}", content_type="application/json")
    assert response.status_code == 405
    assert json.loads(response.content)["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


# --- CSRF -----------------------------------------------------------------------------------


def _csrf_secret() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))


@pytest.fixture
def csrf_client(db) -> Client:
    return Client(enforce_csrf_checks=True, HTTP_HOST="localhost")


def test_session_post_without_csrf_token_is_refused(csrf_client, superuser):
    csrf_client.force_login(superuser)
    result = GraphQLClient(csrf_client).execute("{ __typename }")
    assert result.status == 403
    assert result.codes == ["CSRF_FAILED"]


def test_session_post_with_csrf_token_is_accepted(csrf_client, superuser):
    csrf_client.force_login(superuser)
    token = _csrf_secret()
    csrf_client.cookies[django_settings.CSRF_COOKIE_NAME] = token
    result = GraphQLClient(csrf_client).execute("{ __typename }", headers={"X-CSRFToken": token})
    assert result.status == 200, result.body
    assert result.data == {"__typename": "Query"}


def test_anonymous_post_without_cookie_needs_no_token(csrf_client):
    result = GraphQLClient(csrf_client).execute("{ __typename }")
    assert result.status == 200, result.body


# --- health ---------------------------------------------------------------------------------


def test_healthz_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content)["status"] == "ok"


def test_healthz_503_when_the_database_fails(client, db, monkeypatch):
    class DeadConnection:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr("graph.health.connection", DeadConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "error", "database": "OperationalError"}


def test_healthz_answers_probes_by_ip_over_http_in_production(db, production):
    production.ALLOWED_HOSTS = ["api.example.org"]
    production.SECURE_SSL_REDIRECT = True
    probe = Client(HTTP_HOST="10.0.0.5:8000")
    assert probe.get("/healthz").status_code == 200
    # Control: every other path still validates the host.
    assert probe.get("/graphql/").status_code == 400


# --- CORS -----------------------------------------------------------------------------------


def _preflight(client: Client, origin: str):
    return client.options(
        "/graphql/",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type,x-agency,x-csrftoken",
    )


def test_cors_preflight_from_an_allowed_origin(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://front.example"]
    response = _preflight(client, "https://front.example")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "https://front.example"
    assert "x-agency" in response["Access-Control-Allow-Headers"]


def test_cors_preflight_from_another_origin(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://front.example"]
    response = _preflight(client, "https://evil.example")
    assert "Access-Control-Allow-Origin" not in response


# --- malformed requests: 4xx, never 500 -------------------------------------------------------


def test_oversized_body_is_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = json.dumps({"query": "{ __typename }", "variables": {"pad": "x" * 4096}})
    response = client.post("/graphql/", body, content_type="application/json")
    assert response.status_code == 413
    assert json.loads(response.content)["errors"][0]["extensions"]["code"] == "TOO_LARGE"


def test_oversized_form_body_with_session_is_4xx(csrf_client, superuser, settings):
    """The CSRF check reads form bodies; a too-large one must still be a 4xx there."""
    csrf_client.force_login(superuser)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = csrf_client.post("/graphql/", {"query": "x" * 4096})
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param("{not json", "application/json", id="bad-json"),
        pytest.param("{}", "application/json", id="no-query"),
        pytest.param('{"query": ""}', "application/json", id="empty-query"),
        pytest.param('"{ __typename }"', "application/json", id="string-body"),
        pytest.param("42", "application/json", id="number-body"),
        pytest.param("null", "application/json", id="null-body"),
        pytest.param('[{"query": "{ __typename }"}]', "application/json", id="batch"),
        pytest.param('{"query": 1}', "application/json", id="query-not-string"),
        pytest.param(
            '{"query": "{ __typename }", "variables": "x"}', "application/json", id="vars"
        ),
        pytest.param(
            '{"query": "{ __typename }", "operationName": 7}', "application/json", id="op"
        ),
        pytest.param("query=%7B__typename%7D", "text/plain", id="content-type"),
    ],
)
def test_malformed_requests_are_400(client, body, content_type):
    response = client.post("/graphql/", body, content_type=content_type)
    assert response.status_code == 400, response.content
    payload = json.loads(response.content)
    expected = "BATCH_NOT_ALLOWED" if body.startswith("[") else "BAD_REQUEST"
    assert payload["errors"][0]["extensions"]["code"] == expected
    assert payload["errors"][0]["message"]


def test_bad_variables_over_get_are_400(client):
    response = client.get("/graphql/", {"query": "{ __typename }", "variables": "{oops"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "payload",
    [
        {"query": 'mutation { signIn(email: "a\\u0000b", password: "x") { errors { code } } }'},
        {"query": "query ($s: String!) { agency(slug: $s) { id } }", "variables": {"s": "a\x00"}},
    ],
    ids=["literal", "variable"],
)
def test_nul_characters_are_refused_before_the_database(db, client, payload):
    """PostgreSQL cannot store U+0000; it must be a client error, never a database error."""
    response = client.post("/graphql/", json.dumps(payload), content_type="application/json")
    assert response.status_code == 400
    assert json.loads(response.content)["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


def test_nul_in_a_get_query_string_is_refused(db, client):
    response = client.get("/graphql/", {"query": '{ agency(slug: "a\x00") { id } }'})
    assert response.status_code == 400


@pytest.mark.parametrize("escape", ["\\u{0}", "\\u{000000}", "\\u0000"])
def test_nul_from_graphql_escapes_is_refused_by_the_parser_rule(db, client, escape):
    """Braced escapes reach the parser untouched by the byte check; the validation rule refuses
    them, so no statement sees the NUL (SQLite would store it, PostgreSQL would fail)."""
    query = f'{{ agency(slug: "a{escape}b") {{ id }} }}'
    body = json.dumps({"query": query})
    with CaptureQueriesContext(connection) as statements:
        response = client.post("/graphql/", body, content_type="application/json")
    payload = json.loads(response.content)
    assert payload["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert "U+0000" in payload["errors"][0]["message"]
    assert not payload.get("data")
    assert not [s for s in statements.captured_queries if "agency" in s["sql"].lower()]


def test_nul_in_nested_variables_is_refused_without_http(db):
    """Callers that skip the view (tests, commands) get the same refusal, even for a document
    whose clean validation is cached (the cache does not key on string variables)."""
    document = "query ($s: String!) { agency(slug: $s) { id } }"
    clean = schema.execute_sync(
        document, variable_values={"s": "ok"}, context_value=context_for(AnonymousUser())
    )
    assert not clean.errors
    for variables in ({"s": "a\x00"}, {"s": "ok", "extra": {"k": ["x", "y\x00"]}}):
        result = schema.execute_sync(
            document, variable_values=variables, context_value=context_for(AnonymousUser())
        )
        assert result.data is None
        assert [e.extensions["code"] for e in result.errors] == ["INVALID_INPUT"]
