"""Compare two commits' CPU per request, their requests interleaved, on a host that drifts.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ruamkhid_prof \\
        python bench/ab.py fee2c74 HEAD --op Q1 -n 300
    python bench/ab.py HEAD . --op Q2        # "." is the working tree
    python bench/ab.py . . --b-env PERF_PARTS_OFF=type_checks   # one part's worth
    python bench/ab.py HEAD . --op writes --tokens /tmp/tokens.json

The hosts sessions run on drift by 2-3x within minutes (bench/PROFILE.md), so two runs of
`bench/inprocess.py` one after the other compare the host as much as the code. Here each side
is a process of its own (`git archive` of the commit, the same virtualenv and database), both
warmed up, and the driver asks them for one request at a time in the order A B B A A B B A …:
a slow spell of the host falls on both sides alike. It reports each side's median CPU
milliseconds per request (`time.process_time` inside the worker: the whole Django stack,
GraphQL, SQL and JSON, not PostgreSQL's own time), their ratio, and in how many of the pairs the
second side was faster. The database must hold the benchmark dataset (bench/inprocess.py).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parent.parent
WARM_UP = 10


@dataclass(frozen=True)
class Comparison:
    a_median: float
    b_median: float
    b_faster_pairs: int
    pairs: int

    @property
    def ratio(self) -> float:
        return self.b_median / self.a_median

    def line(self, a: str, b: str) -> str:
        return (
            f"{a}: median {self.a_median:.2f} ms, {b}: median {self.b_median:.2f} ms, "
            f"{b}/{a} {self.ratio:.3f}; {b} faster in {self.b_faster_pairs} of {self.pairs} pairs"
        )


def order(n: int) -> Iterator[int]:
    """Which side (0 = A, 1 = B) serves each of 2n requests: A B B A A B B A …"""
    for i in range(n):
        yield from ((0, 1) if i % 2 == 0 else (1, 0))


def compare(a_times: Sequence[float], b_times: Sequence[float]) -> Comparison:
    if len(a_times) != len(b_times) or not a_times:
        raise ValueError("both sides need the same, non-zero number of requests")
    faster = sum(b < a for a, b in zip(a_times, b_times, strict=True))
    return Comparison(statistics.median(a_times), statistics.median(b_times), faster, len(a_times))


class Worker:
    """One side: a process that answers each line it reads with one request's CPU ms."""

    def __init__(
        self, command: Sequence[str], cwd: Path, env: dict[str, str] | None = None
    ) -> None:
        self.process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def request(self) -> float:
        stdin, stdout = self._pipes()
        try:
            stdin.write("\n")
            stdin.flush()
            line = stdout.readline()
        except BrokenPipeError:
            line = ""
        if not line:
            raise SystemExit(f"a worker stopped (exit status {self.process.wait()})")
        return float(line)

    def _pipes(self) -> tuple[IO[str], IO[str]]:
        assert self.process.stdin is not None and self.process.stdout is not None
        return self.process.stdin, self.process.stdout

    def stop(self) -> None:
        if self.process.stdin is not None:
            with contextlib.suppress(BrokenPipeError):  # it had stopped already
                self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def run(workers: Sequence[Worker], n: int) -> Comparison:
    for _ in range(WARM_UP):
        for worker in workers:
            worker.request()
    times: tuple[list[float], list[float]] = ([], [])
    for side in order(n):
        times[side].append(workers[side].request())
    return compare(*times)


def tree_of(revision: str, workdir: Path, side: str) -> Path:
    """The working tree for ".", else the commit's files (`git archive`) in `workdir`."""
    if revision == ".":
        return REPO
    target = workdir / side
    target.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", revision], capture_output=True, check=True
    )
    archive_path = workdir / f"{side}.tar"
    archive_path.write_bytes(archive.stdout)
    with tarfile.open(archive_path) as tar:
        tar.extractall(target, filter="data")
    return target


def worker_command(tree: Path, operation: str, side: int, writes: str, count: int) -> list[str]:
    """The worker for one side; `writes`/`count`: the write mix's tokens file and length."""
    return [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        str(tree),
        operation,
        str(side),
        writes,
        str(count),
    ]


def parse_env(assignments: Sequence[str]) -> dict[str, str]:
    """`NAME=value` pairs for one side's environment (switches such as PERF_PARTS_OFF)."""
    env = {}
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        if not sep or not name:
            raise SystemExit(f"--a-env/--b-env take NAME=value, got {assignment!r}")
        env[name] = value
    return env


def side_of_writes(items: Sequence, side: int) -> list:
    """This side's share of one write mix: alternate pairs (a support and a comment each), so
    that both sides write the same kinds and never the same (citizen, proposal) support."""
    return [item for i, item in enumerate(items) if (i // 2) % 2 == side]


def serve(tree: str, operation: str, side: int, writes: str, count: int) -> None:
    """Worker side: the tree's project in this process, one request per line of stdin."""
    # This checkout's settings helper, then the tree's project first on the path.
    sys.path.insert(0, str(REPO))
    from bench import in_process_settings, operations

    in_process_settings.apply()
    here = Path(__file__).resolve().parent
    sys.path[:] = [tree, *(p for p in sys.path if Path(p).resolve() not in (here, REPO))]
    os.chdir(tree)
    import time

    import django

    django.setup()
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    if operation == "writes":
        requests = [
            (json.dumps(body), {"HTTP_AUTHORIZATION": f"Bearer {token}"})
            for token, body in side_of_writes(operations.writes_for(writes, 2 * count), side)
        ]
    else:
        variables = {"agency": "a", "slug": "climate-plan"}
        document = {"Q1": operations.Q1, "Q2": operations.Q2}[operation]
        requests = [(json.dumps({"query": document, "variables": variables}), {})] * count
    for (body, headers), _ in zip(requests, sys.stdin, strict=False):
        started = time.process_time()
        response = client.post("/graphql/", body, content_type="application/json", **headers)
        spent = (time.process_time() - started) * 1000
        if response.status_code != 200 or b'"errors":[{' in response.content:
            raise SystemExit(f"{tree}: HTTP {response.status_code} {response.content[:300]!r}")
        print(f"{spent:.4f}", flush=True)


def main() -> None:
    if len(sys.argv) == 7 and sys.argv[1] == "--worker":
        serve(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], int(sys.argv[6]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("a", help="a commit, or . for the working tree")
    parser.add_argument("b", help="a commit, or . for the working tree")
    parser.add_argument("--op", choices=["Q1", "Q2", "writes"], default="Q1")
    parser.add_argument("-n", type=int, default=200, help="requests per side")
    parser.add_argument("--tokens", default="", help="load_dataset's --tokens-out (writes)")
    parser.add_argument("--a-env", action="append", default=[], help="NAME=value for side A")
    parser.add_argument("--b-env", action="append", default=[], help="NAME=value for side B")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        parser.error("DATABASE_URL must point to a database holding the benchmark dataset")
    if args.op == "writes" and not args.tokens:
        parser.error("--op writes needs --tokens")
    envs = [parse_env(args.a_env), parse_env(args.b_env)]
    count = args.n + WARM_UP
    with tempfile.TemporaryDirectory(prefix="ruamkhid-ab-") as workdir:
        trees = [
            tree_of(revision, Path(workdir), side)
            for revision, side in ((args.a, "a"), (args.b, "b"))
        ]
        workers = [
            Worker(worker_command(tree, args.op, i, args.tokens, count), tree, envs[i])
            for i, tree in enumerate(trees)
        ]
        try:
            result = run(workers, args.n)
        finally:
            for worker in workers:
                worker.stop()
    names = [" ".join([rev, *env]) for rev, env in ((args.a, args.a_env), (args.b, args.b_env))]
    print(f"{args.op}, CPU ms per request, {args.n} requests each, interleaved:")
    print(result.line(*names))


if __name__ == "__main__":
    main()
