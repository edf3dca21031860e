"""Settings from the environment: production refuses to start half-configured, and parses strictly.

Start-up behaviour runs in subprocesses with a clean environment (what a container sees); the
parsing of single variables evaluates config/settings.py in-process with a patched environment.
"""

from __future__ import annotations

import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parents[2]
SETTINGS_FILE = BASE_DIR / "config" / "settings.py"
DEV_SECRET_KEY = "dev-insecure-ruamkhid-secret-key-do-not-use-in-production"


def long_secret() -> str:
    return secrets.token_urlsafe(64)


def start_python(*args: str, **env: str) -> subprocess.Popen[str]:
    """Start the venv's Python in the repository with only PATH, HOME and `env` set."""
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/")}
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    try:
        stdout, stderr = process.communicate(timeout=600)  # generous: a loaded CI box
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def run_python(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return finish(start_python(*args, **env))


def load_settings(**env: str) -> dict[str, Any]:
    """Evaluate config/settings.py against exactly `env`; returns its module globals."""
    with mock.patch.dict(os.environ, env, clear=True):
        return runpy.run_path(str(SETTINGS_FILE))


# --- start-up ---------------------------------------------------------------------------------

SETUP = ("-c", "import django; django.setup(); print('started')")


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param(DEV_SECRET_KEY, id="development-default"),
        pytest.param("s3cret-but-only-40-characters-long-xxxxx", id="short"),
    ],
)
def test_production_refuses_to_start_without_a_real_secret_key(key: str | None) -> None:
    env = {"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0", "ALLOWED_HOSTS": "x"}
    if key is not None:
        env["SECRET_KEY"] = key
    result = run_python(*SETUP, **env)
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set to a random value of at least 50 characters" in result.stderr


CHECK_DEPLOY = ("manage.py", "check", "--deploy", "--fail-level", "WARNING")
PRODUCTION = {"DEBUG": "0", "ALLOWED_HOSTS": "api.ruamkhid.example"}


@pytest.fixture(scope="module")
def checks() -> dict[str, subprocess.CompletedProcess[str]]:
    """The slow `manage.py check` runs (a full Django start each), run concurrently once."""
    runs = {
        "production": start_python(*CHECK_DEPLOY, **PRODUCTION, SECRET_KEY=long_secret()),
        "weakened": start_python(
            *CHECK_DEPLOY,
            **PRODUCTION,
            SECRET_KEY=long_secret(),
            SECURE_HSTS_SECONDS="0",
            SECURE_SSL_REDIRECT="0",
        ),
        "development": start_python("manage.py", "check"),
    }
    try:
        return {name: finish(process) for name, process in runs.items()}
    finally:
        for process in runs.values():  # one timing out must not orphan the others
            if process.poll() is None:
                process.kill()


def test_production_passes_the_deploy_checks(checks) -> None:
    """Also the control for the refusals above: a long random key starts the project."""
    result = checks["production"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_checks_catch_a_weakened_production(checks) -> None:
    """Control: switching HSTS and HTTPS redirects off makes the same check fail."""
    result = checks["weakened"]
    assert result.returncode != 0
    assert "security.W004" in result.stderr
    assert "security.W008" in result.stderr


def test_development_needs_no_configuration(checks) -> None:
    result = checks["development"]
    assert result.returncode == 0, result.stderr


# --- parsing ----------------------------------------------------------------------------------


def test_production_defaults() -> None:
    s = load_settings(DEBUG="0", SECRET_KEY=long_secret())
    assert s["DEBUG"] is False
    assert s["GRAPHQL"]["INTROSPECTION"] is False
    assert s["GRAPHQL"]["GRAPHIQL"] is False
    assert s["GRAPHQL"]["MASK_ERRORS"] is True
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"] and s["SECURE_SSL_REDIRECT"]
    assert s["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert s["SERVE_MEDIA"] is False
    backend = s["STORAGES"]["staticfiles"]["BACKEND"]
    assert backend == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_development_defaults() -> None:
    s = load_settings()
    assert s["DEBUG"] is True
    assert s["SECRET_KEY"] == DEV_SECRET_KEY
    assert s["GRAPHQL"]["INTROSPECTION"] and s["GRAPHQL"]["GRAPHIQL"]
    assert s["GRAPHQL"]["MASK_ERRORS"] is False
    assert s["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert s["DATABASES"]["default"]["NAME"] == str(BASE_DIR / "db.sqlite3")
    assert s["DATABASES"]["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert s["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert "SECURE_PROXY_SSL_HEADER" not in s


@pytest.mark.parametrize(
    "env, binding, threshold",
    [
        ({}, True, 5),
        ({"DB_PREPARE_THRESHOLD": "2"}, True, 2),
        ({"DB_SERVER_SIDE_BINDING": "0"}, None, None),  # behind a pooler in transaction mode
    ],
    ids=["default", "threshold", "off"],
)
def test_postgresql_binds_parameters_on_the_server_and_prepares(env, binding, threshold) -> None:
    """Django passes psycopg prepare_threshold=None (never prepare) unless OPTIONS names one."""
    s = load_settings(DATABASE_URL="postgres://u@db:5432/ruamkhid", **env)
    options = s["DATABASES"]["default"].get("OPTIONS", {})
    assert options.get("server_side_binding") is binding
    assert options.get("prepare_threshold") == threshold


@pytest.mark.django_db
def test_a_statement_run_often_is_prepared_on_postgresql(settings) -> None:
    from django.db import connection

    from participation.models import Proposal

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's (psycopg); SQLite has none")
    threshold = settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"]
    for pk in range(threshold + 1):
        list(Proposal.objects.filter(pk=pk + 10**9))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['SELECT %"participation_proposal"."id"%WHERE "participation_proposal"."id" = $1%'],
        )
        assert cursor.fetchone()[0] >= 1


def test_graphql_limits_come_from_the_environment() -> None:
    s = load_settings(
        GRAPHQL_MAX_DEPTH="7",
        GRAPHQL_MAX_ALIASES="3",
        GRAPHQL_MAX_TOKENS="900",
        GRAPHQL_INTROSPECTION="off",
        GRAPHQL_MASK_ERRORS="yes",
    )
    assert s["GRAPHQL"]["MAX_DEPTH"] == 7
    assert s["GRAPHQL"]["MAX_ALIASES"] == 3
    assert s["GRAPHQL"]["MAX_TOKENS"] == 900
    assert s["GRAPHQL"]["INTROSPECTION"] is False
    assert s["GRAPHQL"]["MASK_ERRORS"] is True


@pytest.mark.parametrize("url", ["redis://cache.internal:6379/2", "rediss://u:p@cache:6380/0"])
def test_cache_url_redis(url: str) -> None:
    s = load_settings(CACHE_URL=url, CACHE_KEY_PREFIX="rk-test")
    cache = s["CACHES"]["default"]
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == url
    assert cache["KEY_PREFIX"] == "rk-test"


@pytest.mark.parametrize("url", ["", "locmem://"])
def test_cache_url_local_memory(url: str) -> None:
    s = load_settings(CACHE_URL=url)
    assert s["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


@pytest.mark.parametrize("url", ["memcached://cache:11211", "cache.internal:6379", "redis"])
def test_cache_url_bad_value(url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        load_settings(CACHE_URL=url)


def test_database_url_is_passed_through() -> None:
    s = load_settings(
        DEBUG="0",
        SECRET_KEY=long_secret(),
        DATABASE_URL="postgres://rk:p%40ss@db.internal:5433/ruamkhid",
    )
    db = s["DATABASES"]["default"]
    assert db["ENGINE"] == "perf.db.postgresql"  # Django's, health check by socket first
    assert (db["NAME"], db["USER"], db["PASSWORD"]) == ("ruamkhid", "rk", "p@ss")
    assert (db["HOST"], db["PORT"]) == ("db.internal", 5433)
    assert db["CONN_MAX_AGE"] == 600  # persistent connections in production
    assert db["CONN_HEALTH_CHECKS"] is True
    assert "transaction_mode" not in db.get("OPTIONS", {})


def test_database_connection_age_override() -> None:
    s = load_settings(DATABASE_URL="postgres://db/rk", DB_CONN_MAX_AGE="30")
    assert s["DATABASES"]["default"]["CONN_MAX_AGE"] == 30


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG must be a boolean"),
        ({"SERVE_MEDIA": "2"}, "SERVE_MEDIA must be a boolean"),
        ({"GRAPHQL_MAX_DEPTH": "twelve"}, "GRAPHQL_MAX_DEPTH must be an integer"),
        ({"DATA_UPLOAD_MAX_MEMORY_SIZE": "2.5MB"}, "DATA_UPLOAD_MAX_MEMORY_SIZE must be an int"),
    ],
)
def test_bad_values_stop_the_settings(env: dict[str, str], message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        load_settings(**env)


def test_lists_from_the_environment() -> None:
    s = load_settings(
        ALLOWED_HOSTS="api.example.org, .agency.example ,",
        CORS_ALLOWED_ORIGINS="https://front.example",
    )
    assert s["ALLOWED_HOSTS"] == ["api.example.org", ".agency.example"]
    assert s["CORS_ALLOWED_ORIGINS"] == ["https://front.example"]


# --- env helpers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("TRUE", True), (" yes ", True), ("on", True), ("0", False), ("off", False)],
)
def test_env_bool_accepts(monkeypatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("RK_FLAG", raw)
    assert env_bool("RK_FLAG", not expected) is expected


@pytest.mark.parametrize("raw", ["maybe", "2", "enabled", "y e s"])
def test_env_bool_rejects(monkeypatch, raw: str) -> None:
    monkeypatch.setenv("RK_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="RK_FLAG must be a boolean"):
        env_bool("RK_FLAG", True)


def test_env_bool_default(monkeypatch) -> None:
    monkeypatch.delenv("RK_FLAG", raising=False)
    assert env_bool("RK_FLAG", True) is True


@pytest.mark.parametrize("raw", ["12a", "1.5", "ten", "0x10"])
def test_env_int_rejects(monkeypatch, raw: str) -> None:
    monkeypatch.setenv("RK_NUM", raw)
    with pytest.raises(ImproperlyConfigured, match="RK_NUM must be an integer"):
        env_int("RK_NUM", 1)


def test_env_int_reads_and_defaults(monkeypatch) -> None:
    monkeypatch.setenv("RK_NUM", " 42 ")
    assert env_int("RK_NUM", 1) == 42
    monkeypatch.setenv("RK_NUM", "")
    assert env_int("RK_NUM", 7) == 7


def test_env_list_and_str(monkeypatch) -> None:
    monkeypatch.setenv("RK_LIST", "a,, b ,c")
    assert env_list("RK_LIST") == ["a", "b", "c"]
    monkeypatch.delenv("RK_LIST")
    assert env_list("RK_LIST", ["d"]) == ["d"]
    monkeypatch.delenv("RK_STR", raising=False)
    assert env_str("RK_STR", "fallback") == "fallback"
