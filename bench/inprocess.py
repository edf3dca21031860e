"""Time (and optionally profile) the benchmark operations in-process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ruamkhid_prof \\
        python bench/inprocess.py [--op Q1|Q2] [-n 50] [--cprofile] [--top 30]

The database must hold the benchmark dataset (`manage.py load_benchmark_dataset DATASET.json
--open-now`). Requests go through Django's test Client with DEBUG off and no answer cache, so
the figure is the server's own time per request (the whole Django stack, GraphQL, SQL and JSON),
without HTTP parsing or gunicorn. CPU time is what `wrk` turns into req/s: two workers on two
cores serve at most about 2000 / (ms per request) requests per second.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-profile-" + "x" * 50)
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["CACHE_URL"] = ""
os.environ["GRAPHQL_ANSWER_CACHE_SECONDS"] = "0"

import django

django.setup()

from config.heap import settle_heap  # noqa: E402
from django.test import Client  # noqa: E402

from bench.operations import LADDER, Q1, Q2, VARIABLES  # noqa: E402

OPERATIONS = {"Q1": Q1, "Q2": Q2}


def post(client: Client, document: str) -> dict:
    variables = VARIABLES if "$agency" in document else {}
    body = json.dumps({"query": document, "variables": variables})
    response = client.post("/graphql/", body, content_type="application/json")
    if response.status_code != 200:
        raise SystemExit(f"HTTP {response.status_code}: {response.content[:300]!r}")
    answer = json.loads(response.content)
    if response.status_code != 200 or answer.get("errors"):
        raise SystemExit(f"the operation failed: {answer}")
    return answer


def timed(client: Client, document: str, n: int, profiler: cProfile.Profile | None) -> list:
    """CPU milliseconds of each of `n` requests."""
    times = []
    for _ in range(n):
        started = time.process_time()
        if profiler:
            profiler.enable()
        post(client, document)
        if profiler:
            profiler.disable()
        times.append((time.process_time() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--op", choices=sorted(OPERATIONS), default="Q1")
    parser.add_argument("-n", type=int, default=50, help="timed requests (after 5 warm-ups)")
    parser.add_argument("--cprofile", action="store_true", help="profile the timed requests")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="tottime", help="pstats sort key")
    parser.add_argument("--ladder", action="store_true", help="time Q1 built up step by step")
    args = parser.parse_args()

    client = Client(HTTP_HOST="127.0.0.1")
    if args.ladder:
        for document in LADDER.values():
            for _ in range(5):
                post(client, document)
        settle_heap()
        for name, document in LADDER.items():
            times = timed(client, document, args.n, None)
            print(
                f"{name:28s} CPU ms median {statistics.median(times):6.2f}, min {min(times):6.2f}"
            )
        return
    document = OPERATIONS[args.op]
    for _ in range(5):
        post(client, document)
    settle_heap()  # as gunicorn's arbiter does before forking (config/heap.py)
    profiler = cProfile.Profile() if args.cprofile else None
    times = timed(client, document, args.n, profiler)
    print(
        f"{args.op}: CPU ms/request median {statistics.median(times):.2f}, "
        f"min {min(times):.2f}, max {max(times):.2f} over {args.n} requests"
    )
    if profiler:
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
