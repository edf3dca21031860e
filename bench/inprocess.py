"""Time (and optionally profile) the benchmark operations in-process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ruamkhid_prof \\
        python bench/inprocess.py [--op Q1|Q2] [-n 50] [--cprofile] [--top 30]
        python bench/inprocess.py --op writes --tokens TOKENS.json [-n 50]

The database must hold the benchmark dataset (`manage.py load_benchmark_dataset DATASET.json
--open-now`, with `--tokens-out TOKENS.json` for the writes). `--op writes` sends the benchmark's
write mix (bench.operations.write_mix, as bench/run.py sends it) and changes the database.
Requests go through Django's test Client with DEBUG off and no answer cache, so the figure is
the server's own time per request (the whole Django stack, GraphQL, SQL and JSON), without HTTP
parsing or gunicorn. CPU time is what `wrk` turns into req/s: two workers on two
cores serve at most about 2000 / (ms per request) requests per second.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import in_process_settings

in_process_settings.apply()

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402
from perf.runtime.heap import settle_heap  # noqa: E402

from bench.operations import LADDER, Q1, Q2, VARIABLES, writes_for  # noqa: E402

OPERATIONS = {"Q1": Q1, "Q2": Q2}


def post(client: Client, document: str, variables: dict | None = None, token: str = "") -> dict:
    if variables is None:
        variables = VARIABLES if "$agency" in document else {}
    body = json.dumps({"query": document, "variables": variables})
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    response = client.post("/graphql/", body, content_type="application/json", **extra)
    if response.status_code != 200:
        raise SystemExit(f"HTTP {response.status_code}: {response.content[:300]!r}")
    answer = json.loads(response.content)
    if response.status_code != 200 or answer.get("errors"):
        raise SystemExit(f"the operation failed: {answer}")
    payload = next(iter(answer["data"].values()))
    if isinstance(payload, dict) and payload.get("errors"):
        raise SystemExit(f"the write was refused: {payload['errors']}")
    return answer


def timed_writes(client: Client, items: list, profiler: cProfile.Profile | None) -> list:
    times = []
    for token, body in items:
        started = time.process_time()
        if profiler:
            profiler.enable()
        post(client, body["query"], body["variables"], token)
        if profiler:
            profiler.disable()
        times.append((time.process_time() - started) * 1000)
    return times


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
    parser.add_argument("--op", choices=[*sorted(OPERATIONS), "writes"], default="Q1")
    parser.add_argument("--tokens", help="--tokens-out file of load_benchmark_dataset (writes)")
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
    if args.op == "writes":
        if not args.tokens:
            parser.error("--op writes needs --tokens")
        items = writes_for(args.tokens, args.n + 6)
        for token, body in items[:6]:
            post(client, body["query"], body["variables"], token)
        settle_heap()
        profiler = cProfile.Profile() if args.cprofile else None
        times = timed_writes(client, items[6:], profiler)
        report(args, times, profiler)
        return
    document = OPERATIONS[args.op]
    for _ in range(5):
        post(client, document)
    settle_heap()  # as gunicorn's arbiter does before forking (perf/runtime/heap.py)
    profiler = cProfile.Profile() if args.cprofile else None
    times = timed(client, document, args.n, profiler)
    report(args, times, profiler)


def report(args: argparse.Namespace, times: list, profiler: cProfile.Profile | None) -> None:
    print(
        f"{args.op}: CPU ms/request median {statistics.median(times):.2f}, "
        f"min {min(times):.2f}, max {max(times):.2f} over {len(times)} requests"
    )
    if profiler:
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
