"""The container, checked without a Docker engine.

The Dockerfile's essentials are checked statically; what its RUN and ENTRYPOINT lines do is
reproduced for real: collectstatic with production settings, then gunicorn with the image's
config serving the app and the collected static files through whitenoise.
"""

from __future__ import annotations

import json
import os
import re
import runpy
import secrets
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
DOCKERFILE = (BASE_DIR / "Dockerfile").read_text()
ENTRYPOINT = BASE_DIR / "docker" / "entrypoint.sh"
GUNICORN_CONF = BASE_DIR / "docker" / "gunicorn.conf.py"


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", text)
    pairs = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            pairs.append((keyword.upper(), rest.strip()))
    return pairs


STEPS = instructions(DOCKERFILE)
FINAL_STAGE = STEPS[max(i for i, (k, _) in enumerate(STEPS) if k == "FROM") :]


# --- static checks ----------------------------------------------------------------------------


def test_multi_stage_from_slim_python() -> None:
    stages = [args for keyword, args in STEPS if keyword == "FROM"]
    assert len(stages) >= 2
    default_image = dict(
        args.split("=", 1) for keyword, args in STEPS if keyword == "ARG" and "=" in args
    )["PYTHON_IMAGE"]
    assert re.fullmatch(r"python:3\.1[12]-slim", default_image)
    assert any(k == "COPY" and a.startswith("--from=builder /opt/venv") for k, a in FINAL_STAGE)


def test_builder_installs_the_lock_into_a_venv() -> None:
    builder = STEPS[: STEPS.index(FINAL_STAGE[0])]
    runs = " ".join(args for keyword, args in builder if keyword == "RUN")
    assert "python -m venv /opt/venv" in runs
    assert "--constraint requirements.lock" in runs


def test_runs_as_a_non_root_user() -> None:
    users = [args for keyword, args in FINAL_STAGE if keyword == "USER"]
    assert users, "the final stage must switch user"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}


def test_collectstatic_at_build_time_with_a_key_that_cannot_leak() -> None:
    runs = [args for keyword, args in FINAL_STAGE if keyword == "RUN"]
    collect = next(run for run in runs if "collectstatic --noinput" in run)
    assert re.search(r"SECRET_KEY=build-only-\S{40,}", collect)
    assert "DEBUG=0" in collect
    for keyword, args in STEPS:
        if keyword in {"ENV", "ARG", "LABEL"}:
            assert "SECRET_KEY" not in args, f"{keyword} {args} would persist in the image"


def test_healthcheck_port_and_entrypoint() -> None:
    health = " ".join(args for keyword, args in FINAL_STAGE if keyword == "HEALTHCHECK")
    assert "/healthz" in health
    assert "urllib.request" in health
    assert ("EXPOSE", "8000") in FINAL_STAGE
    assert ("ENTRYPOINT", '["/app/docker/entrypoint.sh"]') in FINAL_STAGE
    env = " ".join(args for keyword, args in FINAL_STAGE if keyword == "ENV")
    assert "DEBUG=0" in env
    assert "WEB_CONCURRENCY=" in env


def test_entrypoint_is_executable_and_runs_gunicorn() -> None:
    assert ENTRYPOINT.stat().st_mode & stat.S_IXUSR
    text = ENTRYPOINT.read_text()
    assert "exec gunicorn --config docker/gunicorn.conf.py config.wsgi:application" in text
    assert subprocess.run(["sh", "-n", str(ENTRYPOINT)], check=False).returncode == 0


def test_copied_files_exist_and_local_state_is_ignored() -> None:
    for keyword, args in STEPS:
        if keyword == "COPY" and not args.startswith("--from"):
            for source in args.split()[:-1]:
                assert (BASE_DIR / source).exists(), source
    ignored = (BASE_DIR / ".dockerignore").read_text().split()
    for entry in (".git", ".venv", ".env", "db.sqlite3*", "media", "staticfiles"):
        assert entry in ignored


# --- the entrypoint's behaviour, with stand-ins for python and gunicorn -----------------------


@pytest.fixture
def stub_bin(tmp_path: Path) -> Path:
    """`python` and `gunicorn` stand-ins that log their arguments to calls.log."""
    log = tmp_path / "calls.log"
    for name in ("python", "gunicorn"):
        stub = tmp_path / name
        stub.write_text(f'#!/bin/sh\necho "{name} $*" >> "{log}"\n')
        stub.chmod(0o755)
    return tmp_path


def run_entrypoint(stub_bin: Path, *args: str, **env: str) -> list[str]:
    environment = {"PATH": f"{stub_bin}:/usr/bin:/bin", **env}
    subprocess.run(["sh", str(ENTRYPOINT), *args], env=environment, check=True, timeout=30)
    return (stub_bin / "calls.log").read_text().splitlines()


def test_entrypoint_migrates_when_asked_then_execs_gunicorn(stub_bin: Path) -> None:
    calls = run_entrypoint(stub_bin, RUN_MIGRATIONS="1")
    assert calls == [
        "python manage.py migrate --noinput",
        "gunicorn --config docker/gunicorn.conf.py config.wsgi:application",
    ]


def test_entrypoint_skips_migrations_by_default(stub_bin: Path) -> None:
    calls = run_entrypoint(stub_bin)
    assert calls == ["gunicorn --config docker/gunicorn.conf.py config.wsgi:application"]


def test_entrypoint_runs_a_given_command_instead(stub_bin: Path) -> None:
    assert run_entrypoint(stub_bin, "python", "manage.py", "check") == ["python manage.py check"]


def test_gunicorn_workers_come_from_web_concurrency() -> None:
    with mock.patch.dict(os.environ, {"WEB_CONCURRENCY": "5", "PORT": "9000"}, clear=True):
        conf = runpy.run_path(str(GUNICORN_CONF))
    assert conf["workers"] == 5
    assert conf["bind"] == "0.0.0.0:9000"
    assert conf["worker_class"] == "sync"


# --- what the image does, for real -------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def production_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("image")
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(root),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(root / "static"),
        "MEDIA_ROOT": str(root / "media"),
        "DATABASE_URL": f"sqlite:///{root / 'db.sqlite3'}",
    }


@pytest.fixture(scope="module")
def collected(production_env: dict[str, str]) -> Path:
    """The Dockerfile's collectstatic step, with production settings and storage."""
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=BASE_DIR,
        env=production_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return Path(production_env["STATIC_ROOT"])


def test_collectstatic_writes_a_hashed_compressed_manifest(collected: Path) -> None:
    paths = json.loads((collected / "staticfiles.json").read_text())["paths"]
    hashed = paths["wagtailadmin/css/core.css"]
    assert re.fullmatch(r"wagtailadmin/css/core\.[0-9a-f]{12}\.css", hashed)
    assert (collected / hashed).is_file()
    assert (collected / f"{hashed}.gz").is_file()


@pytest.fixture(scope="module")
def gunicorn_url(production_env: dict[str, str], collected: Path) -> Iterator[str]:
    """The image's command: gunicorn with docker/gunicorn.conf.py, one worker."""
    port = _free_port()
    env = {**production_env, "PORT": str(port), "WEB_CONCURRENCY": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONF), "config.wsgi"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=15)  # first hit loads Django
                break
            except OSError:  # refused while binding, or a timeout under load
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    pytest.fail(f"gunicorn did not start: {process.communicate()[1][-2000:]}")
                time.sleep(0.3)
        yield url
    finally:
        process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _get(url: str, **headers: str) -> urllib.request.Request:
    return urllib.request.Request(url, headers={"X-Forwarded-Proto": "https", **headers})


def test_gunicorn_serves_health_graphql_and_static(gunicorn_url: str, collected: Path) -> None:
    with urllib.request.urlopen(f"{gunicorn_url}/healthz", timeout=60) as response:
        assert json.load(response)["status"] == "ok"

    query = urllib.request.Request(
        f"{gunicorn_url}/graphql/",
        data=b'{"query": "{ __typename }"}',
        headers={"Content-Type": "application/json", "X-Forwarded-Proto": "https"},
    )
    with urllib.request.urlopen(query, timeout=60) as response:
        assert json.load(response) == {"data": {"__typename": "Query"}}

    hashed = json.loads((collected / "staticfiles.json").read_text())["paths"][
        "wagtailadmin/css/core.css"
    ]
    static = _get(f"{gunicorn_url}/static/{hashed}", **{"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(static, timeout=60) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        assert "immutable" in response.headers["Cache-Control"]  # whitenoise, hashed name


def test_gunicorn_production_redirects_plain_http(gunicorn_url: str) -> None:
    """Control for the X-Forwarded-Proto header above: without it production redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(f"{gunicorn_url}/graphql/", timeout=60)
    assert refused.value.code == 301
    assert refused.value.headers["Location"].startswith("https://")
