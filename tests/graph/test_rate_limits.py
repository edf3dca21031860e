"""Mutation rate limits (issue 4, item 5): per mutation field, per user or client IP, counted
before execution in the shared cache, so aliases, batching and worker processes don't help."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

import graph.accounts.mutations as account_mutations
from tests.conftest import GraphQLClient
from tests.factories import UserFactory

SIGN_IN = 'mutation { signIn(email: "nobody@example.org", password: "x") { errors { code } } }'
REVOKE = 'mutation { revokeApiToken(id: "QXBpVG9rZW46MA==") { errors { code } } }'


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def limits(settings):
    def set_limits(**rates: str) -> None:
        settings.GRAPHQL = {**settings.GRAPHQL, "RATE_LIMITS": rates}

    return set_limits


@pytest.fixture
def sign_in_calls(monkeypatch) -> list[str]:
    """Every time signIn's resolver reaches the authentication service."""
    calls: list[str] = []
    original = account_mutations.accounts.authenticate

    def spy(*args, **kwargs):
        calls.append("authenticate")
        return original(*args, **kwargs)

    monkeypatch.setattr(account_mutations.accounts, "authenticate", spy)
    return calls


@pytest.fixture
def revoke_calls(monkeypatch) -> list[str]:
    calls: list[str] = []
    original = account_mutations.tokens.revoke_token

    def spy(*args, **kwargs):
        calls.append("revoke")
        return original(*args, **kwargs)

    monkeypatch.setattr(account_mutations.tokens, "revoke_token", spy)
    return calls


def anonymous(ip: str, **extra: str) -> GraphQLClient:
    return GraphQLClient(Client(REMOTE_ADDR=ip, **extra))


@pytest.fixture(autouse=True)
def _clock_mid_window(monkeypatch):
    """Counters are fixed windows: pin the limiter's clock 30 s into a minute (and an hour) so a
    test's calls never straddle a window boundary. The two-process test runs real servers."""
    from types import SimpleNamespace

    monkeypatch.setattr("graph.ratelimit.time", SimpleNamespace(time=lambda: 1_800_000_030.0))


def test_the_call_after_the_limit_is_refused_with_retry_after(db, limits, sign_in_calls):
    limits(signIn="3/m")
    gql = anonymous("10.0.0.1")
    for _ in range(3):
        assert gql.execute(SIGN_IN).data["signIn"]["errors"]
    result = gql.execute(SIGN_IN)
    assert result.data is None
    (error,) = result.errors
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert 1 <= error["extensions"]["retryAfter"] <= 60
    assert "signIn" in error["message"] and "3/m" in error["message"]
    assert sign_in_calls == ["authenticate"] * 3  # the refused call ran nothing


def test_aliases_count_one_each_and_nothing_runs_when_over(db, limits, sign_in_calls):
    limits(signIn="3/m")
    five = "mutation { " + " ".join(f"a{i}: {SIGN_IN[11:-2]}" for i in range(5)) + " }"
    result = anonymous("10.0.0.2").execute(five)
    assert result.codes == ["RATE_LIMITED"]
    assert sign_in_calls == []  # not even the first three aliases ran
    # Aliases hidden in a fragment count too.
    fragment = (
        "mutation { ...F } fragment F on Mutation { "
        + " ".join(f"a{i}: {SIGN_IN[11:-2]}" for i in range(4))
        + " }"
    )
    assert anonymous("10.0.0.3").execute(fragment).codes == ["RATE_LIMITED"]
    assert sign_in_calls == []
    three = "mutation { " + " ".join(f"a{i}: {SIGN_IN[11:-2]}" for i in range(3)) + " }"
    assert anonymous("10.0.0.4").ok(three)
    assert sign_in_calls == ["authenticate"] * 3


def test_a_refused_field_stops_the_whole_document(db, limits, sign_in_calls, revoke_calls):
    limits(signIn="1/m")
    gql = anonymous("10.0.0.5")
    gql.ok(SIGN_IN)
    both = "mutation { signOut { ok } " + SIGN_IN[11:-2] + " }"
    assert gql.execute(both).codes == ["RATE_LIMITED"]
    assert sign_in_calls == ["authenticate"]


def test_users_are_counted_separately(db, limits, revoke_calls):
    limits(revokeApiToken="2/m")
    alice, bob = UserFactory(), UserFactory()
    as_alice = GraphQLClient().login(alice)
    as_bob = GraphQLClient().login(bob)
    as_alice.ok(REVOKE)
    as_alice.ok(REVOKE)
    assert as_alice.execute(REVOKE).codes == ["RATE_LIMITED"]
    as_bob.ok(REVOKE)  # bob has his own budget, though both come from the same address
    assert revoke_calls == ["revoke"] * 3


def test_anonymous_clients_are_counted_by_address(db, limits, sign_in_calls):
    limits(signIn="1/m")
    anonymous("10.0.1.1").ok(SIGN_IN)
    assert anonymous("10.0.1.1").execute(SIGN_IN).codes == ["RATE_LIMITED"]
    anonymous("10.0.1.2").ok(SIGN_IN)


def test_forwarded_for_is_ignored_unless_proxies_are_trusted(db, limits, settings):
    limits(signIn="1/m")
    settings.TRUSTED_PROXY_COUNT = 0
    anonymous("10.0.2.1", HTTP_X_FORWARDED_FOR="1.1.1.1").ok(SIGN_IN)
    # A forged header does not buy a fresh budget.
    forged = anonymous("10.0.2.1", HTTP_X_FORWARDED_FOR="2.2.2.2")
    assert forged.execute(SIGN_IN).codes == ["RATE_LIMITED"]
    settings.TRUSTED_PROXY_COUNT = 1
    # Behind one proxy (REMOTE_ADDR), the client is the last X-Forwarded-For entry; entries to
    # its left are the client's to forge.
    anonymous("10.0.2.9", HTTP_X_FORWARDED_FOR="9.9.9.9, 3.3.3.3").ok(SIGN_IN)
    again = anonymous("10.0.2.9", HTTP_X_FORWARDED_FOR="8.8.8.8, 3.3.3.3")
    assert again.execute(SIGN_IN).codes == ["RATE_LIMITED"]


def test_the_star_budget_covers_every_mutation(db, limits, sign_in_calls):
    limits(**{"*": "2/m"})
    gql = anonymous("10.0.3.1")
    gql.ok(SIGN_IN)
    gql.ok("mutation { signOut { ok } }")
    assert gql.execute(SIGN_IN).codes == ["RATE_LIMITED"]
    assert sign_in_calls == ["authenticate"]


def test_queries_are_not_rate_limited(db, limits):
    limits(**{"*": "1/m"})
    gql = anonymous("10.0.3.2")
    for _ in range(3):
        gql.ok("{ viewer { displayName } }")


def test_default_limits_cover_the_listed_mutations(settings):
    rates = settings.GRAPHQL["RATE_LIMITS"]
    for field in ("submitProposal", "addComment", "supportProposal", "signIn", "register", "*"):
        assert rates[field]


# --- two worker processes sharing Redis ---------------------------------------------------------

REDIS_URL = "redis://127.0.0.1:6379/5"


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _post(port: int, document: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql/",
        data=json.dumps({"query": document}).encode(),
        headers={"Content-Type": "application/json", "Connection": "close"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.mark.skipif(not _redis_reachable(), reason="Redis is not reachable on 127.0.0.1:6379")
@pytest.mark.skipif(
    shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is None,
    reason="gunicorn is not installed in the virtualenv",
)
def test_limit_is_shared_by_two_worker_processes(tmp_path):
    root = Path(__file__).resolve().parents[2]
    prefix = f"ratelimit-test-{os.getpid()}-{time.time_ns()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "x" * 64,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "BEHIND_TLS_PROXY": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CACHE_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": prefix,
        "GRAPHQL_RATE_LIMITS": json.dumps({"signIn": "12/h"}),
        "GRAPHQL_ANSWER_CACHE_SECONDS": "0",
    }
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "migrate", "--noinput"],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    if time.time() % 3600 > 3540:  # keep all requests inside one hourly window
        time.sleep(3600 - time.time() % 3600 + 1)
    port = _free_port()
    log = tmp_path / "access.log"
    server = subprocess.Popen(
        [
            str(Path(python).parent / "gunicorn"),
            "config.wsgi:application",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(log),
            "--access-logformat",
            "%(p)s %(s)s",
        ],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 60
        while True:
            try:
                _post(port, "{ __typename }")
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    pytest.fail("gunicorn did not start")
                time.sleep(0.3)
        with ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(pool.map(lambda _: _post(port, SIGN_IN), range(30)))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
    limited = [a for a in answers if a.get("errors")]
    served = [a for a in answers if not a.get("errors")]
    assert len(served) == 12, answers
    assert len(limited) == 18
    assert {e["extensions"]["code"] for a in limited for e in a["errors"]} == {"RATE_LIMITED"}
    # Both worker processes answered (gunicorn's access log names each request's worker pid).
    pids = {line.split()[0] for line in log.read_text().splitlines() if line.strip()}
    assert len(pids) == 2, pids
