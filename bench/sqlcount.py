"""SQL statements per benchmark operation, counted in-process (run by bench/run.py).

Usage: python bench/sqlcount.py BODIES.json  (env: DATABASE_URL etc., cwd: the project)
BODIES.json: {"name": {"body": {...}, "token": "..." or null}, ...}. Each operation is sent
twice through Django's test Client against the benchmark database; the second is counted with
CaptureQueriesContext (the first warms per-process caches, as a running worker has them).
Writes are sent once each with two different bodies (name and name + "#2").
Prints one JSON object {name: statements}.
"""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def send(client: Client, spec: dict) -> tuple[int, dict]:
    extra = {"HTTP_AUTHORIZATION": f"Bearer {spec['token']}"} if spec.get("token") else {}
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            "/graphql/", json.dumps(spec["body"]), content_type="application/json", **extra
        )
    body = json.loads(response.content)
    if response.status_code != 200 or body.get("errors"):
        raise SystemExit(f"{spec['body'].get('query', '')[:60]!r} failed: {body}")
    return len(captured.captured_queries), body


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        specs = json.load(handle)
    client = Client(HTTP_HOST="127.0.0.1")
    counts = {}
    for name, spec in specs.items():
        if name.endswith("#2"):
            continue
        if spec.get("token"):  # a write: count the second of two distinct writes
            send(client, spec)
            counts[name], _ = send(client, specs[name + "#2"])
        else:
            send(client, spec)
            counts[name], _ = send(client, spec)
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
