#!/usr/bin/env python3
"""The consultation benchmark (../shared/BENCHMARK.md), in one command.

    python bench/run.py                      # default run: < 10 minutes
    python bench/run.py --quick              # ~2 minutes: fewer, shorter rounds; sizes 200,1000
    python bench/run.py --rounds 5 --duration 10 --sizes 200,1000,5000
    python bench/run.py --requests 2000      # a fixed number of requests per round instead
    python bench/run.py --from-head          # measure the committed HEAD, not the working tree

What it does, all on loopback:
 1. generates the dataset with the benchmark's dataset.py (../shared/bench/dataset.py relative
    to the repository, or --dataset-script); the product itself never needs it;
 2. creates a fresh PostgreSQL database (--db, default ruamkhid_bench on 127.0.0.1:5432 as
    postgres), migrates it and loads the dataset with
    `manage.py load_benchmark_dataset --open-now --tokens-out ...`;
 3. serves the project as production does: gunicorn config.wsgi with docker/gunicorn.conf.py,
    2 sync workers, DEBUG=0, a generated SECRET_KEY, DB_CONN_MAX_AGE=600, PostgreSQL over its
    Unix socket, on a free 127.0.0.1 port (worker recycling off so that restarts do not land in
    a measurement);
 4. drives Q1, Q2 (API.md, variables {"agency": "a", "slug": "climate-plan"}) and the write mix
    (supportProposal and addComment 1:1, each request a different citizen with its Bearer token,
    on random proposals of agency a whose ids come from a GraphQL query) with wrk; the write mix
    goes to a copy of the loaded database ({db}_writes, served by a gunicorn of its own), so
    that the reads always measure the dataset as loaded (on a server without autovacuum the
    writes' dead rows made each Q1 ask PostgreSQL for twice the CPU); wrk: 1 thread,
    8 connections, a warm-up, then --rounds alternating rounds; quotes medians of req/s, p50
    and p99 latency; errors = non-2xx + bodies carrying `"errors":[{` (every body checked);
 5. counts SQL statements per operation in-process (bench/sqlcount.py: Django's test Client +
    CaptureQueriesContext against the same database) and samples the RSS of the gunicorn
    workers from /proc during the runs (peak reported);
 6. checks after the write mix (in its copy) that support_count equals the Support rows of
    every proposal and comment_count the visible, undeleted comments;
 7. repeats Q1 and Q2 with the anonymous answer cache on (CACHE_URL=redis://127.0.0.1:6379/N,
    GRAPHQL_ANSWER_CACHE_SECONDS=30) — the "cached" line;
 8. the scaling run: each --sizes proposals per agency (dataset.py --proposals N) loaded into a
    fresh database of its own ({db}_{N}), each served by its own gunicorn, Q1 and Q2 measured in
    rounds that alternate across the sizes, so that a machine drifting slower during the run
    does not favour the size measured first;
 9. writes bench/results/latest.json and bench/results/latest.md, with the load average.
Everything it started (gunicorn) is stopped in `finally`/atexit; the database is dropped at
the end unless --keep.
"""

from __future__ import annotations

import argparse
import atexit
import base64
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
LUA = BENCH / "lua" / "graphql.lua"
SOCKET_DIR = "/var/run/postgresql"

sys.path.insert(0, str(REPO))
from bench.operations import IDS, Q1, Q2, VARIABLES, write_mix  # noqa: E402

_started: list[subprocess.Popen] = []


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


REFERENCE_LOOP = 2_000_000


def host_speed_ms() -> float:
    """Milliseconds of a fixed pure-Python loop, best of five: how fast this host runs Python
    at the time. The machines sessions run on differ by 2-3x and drift within a run, so a
    table is only comparable with another next to this figure (lower is faster)."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        total = 0
        for i in range(REFERENCE_LOOP):
            total += i
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise SystemExit(
            f"command failed ({result.returncode}): {' '.join(cmd)}\n{result.stdout[-3000:]}"
            f"\n{result.stderr[-3000:]}"
        )
    return result


# --- set-up --------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rounds", type=int, help="measured rounds per operation (default 3; quick 2)")
    p.add_argument("--duration", type=float, help="seconds per round (default 5; quick 3)")
    p.add_argument("--requests", type=int, help="a fixed number of requests per round instead")
    p.add_argument("--warmup", type=float, help="warm-up seconds per operation (default 2)")
    p.add_argument("--sizes", help="proposals per agency for the scaling run (200,1000,5000)")
    p.add_argument("--quick", action="store_true", help="~2 minutes: 2 short rounds, 200,1000")
    p.add_argument("--dataset-script", help="path of dataset.py (../shared/bench/dataset.py)")
    p.add_argument("--db", default="ruamkhid_bench", help="database name (dropped first)")
    p.add_argument("--pg-host", default="127.0.0.1", help="PostgreSQL host for admin commands")
    p.add_argument("--pg-user", default="postgres")
    p.add_argument("--redis", default="redis://127.0.0.1:6379/13", help="cache for cached run")
    p.add_argument("--no-cached", action="store_true", help="skip the answer-cache line")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--from-head", action="store_true", help="benchmark `git archive HEAD`")
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    p.add_argument("--out", default=str(BENCH / "results"), help="where latest.json/md go")
    args = p.parse_args()
    quick = args.quick
    args.rounds = args.rounds or (2 if quick else 3)
    args.duration = args.duration or (3.0 if quick else 5.0)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if quick else 2.0)
    args.sizes = [
        int(s) for s in (args.sizes or ("200,1000" if quick else "200,1000,5000")).split(",")
    ]
    return args


def find_dataset_script(explicit: str | None) -> Path:
    candidates = [Path(explicit)] if explicit else [REPO.parent / "shared" / "bench" / "dataset.py"]
    for path in candidates:
        if path.is_file():
            return path
    raise SystemExit(
        f"The benchmark's dataset.py was not found (looked at {', '.join(map(str, candidates))}). "
        "It belongs to the benchmark, not the product: pass --dataset-script PATH."
    )


def ensure_wrk() -> str:
    """wrk from Debian's packages, installed on first use (the issue's contract)."""
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    print("wrk is missing: installing Debian's wrk package", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        done = subprocess.run([*sudo, *command], env=env, check=False)
        if done.returncode != 0:
            raise SystemExit(f"could not install wrk ({' '.join(command)} failed)")
    wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("apt-get reported success but wrk is not on PATH")
    return wrk


def python_for(tree: Path) -> str:
    for candidate in (tree / ".venv" / "bin" / "python", REPO / ".venv" / "bin" / "python"):
        if candidate.exists():
            return str(candidate)
    return sys.executable


def psql(args: argparse.Namespace, sql: str, db: str = "postgres") -> str:
    cmd = ["psql", "-h", args.pg_host, "-U", args.pg_user, "-d", db, "-tA", "-v"]
    cmd += ["ON_ERROR_STOP=1", "-c", sql]
    return run(cmd).stdout.strip()


def server_database_url(args: argparse.Namespace) -> tuple[str, str]:
    """The Unix socket if PostgreSQL accepts us there, else TCP on loopback."""
    probe = subprocess.run(
        ["psql", "-h", SOCKET_DIR, "-U", args.pg_user, "-d", "postgres", "-tAc", "select 1"],
        capture_output=True,
        text=True,
    )
    if probe.returncode == 0:
        return f"postgres://{args.pg_user}@%2Fvar%2Frun%2Fpostgresql/{args.db}", "unix socket"
    return f"postgres://{args.pg_user}@{args.pg_host}:5432/{args.db}", "tcp loopback"


def admin_database_url(args: argparse.Namespace) -> str:
    """For migrate, the loader and SQL counting: TCP on loopback."""
    return f"postgres://{args.pg_user}@{args.pg_host}:5432/{args.db}"


def sized_args(args: argparse.Namespace, size: int) -> argparse.Namespace:
    """The arguments with the database of one scaling size."""
    return argparse.Namespace(**{**vars(args), "db": f"{args.db}_{size}"})


def base_env(args: argparse.Namespace, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRAPHQL_", "DJANGO_"))}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        DATABASE_URL=database_url,
        DB_CONN_MAX_AGE="600",
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="127.0.0.1,testserver",
        CACHE_URL="",
        GRAPHQL_ANSWER_CACHE_SECONDS="0",
        LOG_LEVEL="WARNING",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn config.wsgi with the production config file, on a loopback port."""

    def __init__(self, tree: Path, env: dict[str, str], workers: int, logdir: Path) -> None:
        self.port = free_port()
        env = {**env, "WEB_CONCURRENCY": str(workers), "GUNICORN_MAX_REQUESTS": "0"}
        self.log = open(logdir / f"gunicorn-{self.port}.log", "w")  # noqa: SIM115
        gunicorn = str(Path(python_for(tree)).with_name("gunicorn"))
        cmd = [gunicorn, "config.wsgi", "-c", "docker/gunicorn.conf.py"]
        cmd += ["--bind", f"127.0.0.1:{self.port}", "--access-logfile", "/dev/null"]
        self.proc = subprocess.Popen(
            cmd,
            cwd=tree,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _started.append(self.proc)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.log.name}")
            try:
                self.post({"query": "{ __typename }"})
                if len(self.workers()) >= workers:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not answer within 60 s; see {self.log.name}")

    def post(self, payload: dict, token: str | None = None) -> dict:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(
            self.url + "/graphql/", json.dumps(payload).encode(), headers
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return [int(x) for x in path.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        stop_process(self.proc)
        self.log.close()


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # gunicorn's graceful stop takes its workers along
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc in _started:
        _started.remove(proc)


@atexit.register
def _stop_everything() -> None:
    for proc in list(_started):
        stop_process(proc)


class RssSampler:
    """Peak resident memory of the servers' workers, sampled from /proc every 100 ms."""

    def __init__(self, servers: list[Server]) -> None:
        self.servers, self.peak_kb, self._stop = servers, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in [pid for server in self.servers for pid in server.workers()]:
                try:
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmRSS:"):
                            self.peak_kb = max(self.peak_kb, int(line.split()[1]))
                except OSError:
                    pass
            self._stop.wait(0.1)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


# --- measuring -------------------------------------------------------------------------------


class WriteFeed:
    """The write mix as a sequence every wrk run continues rather than restarts: replaying a
    run's supports would only measure ALREADY_SUPPORTED refusals."""

    def __init__(self, items: list[tuple], workdir: Path) -> None:
        self.items, self.workdir, self.offset, self.runs = items, workdir, 0, 0

    def next_file(self) -> Path:
        rest = self.items[self.offset :]
        if not rest:
            raise SystemExit("the write mix ran out of prepared writes; raise its size")
        self.runs += 1
        path = self.workdir / f"writes-{self.runs}.tsv"
        path.write_text("".join(f"{t}\t{json.dumps(b)}\n" for t, b in rest))
        return path

    def consumed(self, count: int) -> None:
        self.offset += count


class Driver:
    def __init__(self, args: argparse.Namespace, wrk: str, workdir: Path) -> None:
        self.args, self.wrk, self.workdir = args, wrk, workdir

    def wrk_run(self, server: Server, mode: str, source, seconds: float, limit: int = 0):
        path = source.next_file() if isinstance(source, WriteFeed) else source
        cmd = [self.wrk, "-t1", f"-c{self.args.connections}", f"-d{max(1, round(seconds))}s"]
        cmd += ["--timeout", "10s", "--latency", "-s", str(LUA), server.url + "/graphql/", "--"]
        cmd += [mode, str(path), str(limit)]
        out = run(cmd).stdout
        line = next(x for x in out.splitlines() if x.startswith("BENCHJSON "))
        data = json.loads(line.removeprefix("BENCHJSON "))
        data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
        if isinstance(source, WriteFeed):
            # wrk may have sent a request per connection that it never counted.
            source.consumed(data["requests"] + self.args.connections)
        data["errors"] = (
            data["non2xx"]
            + data["graphql_errors"]
            + data["connect_errors"]
            + data["read_errors"]
            + data["write_errors"]
            + data["timeouts"]
        )
        return data

    def measure(self, server: Server | None, ops: dict[str, tuple]) -> dict[str, dict]:
        """Warm each op up, then args.rounds alternating rounds; medians per op.

        ops: name -> (mode, body path or WriteFeed[, server]); without a server of its own an
        op runs against `server`. Alternating rounds across every op (and server), each round
        starting one op later, mean a machine that drifts slower during the run biases no op
        against another."""
        args = self.args
        plan = {name: (*op, server)[:3] for name, op in ops.items()}
        rounds: dict[str, list[dict]] = {name: [] for name in plan}
        for mode, path, target in plan.values():
            self.wrk_run(target, mode, path, args.warmup)
        servers = list({id(t): t for _, _, t in plan.values()}.values())
        with RssSampler(servers) as rss:
            names = list(plan)
            for r in range(args.rounds):
                # Each round starts one operation later, so no operation always runs right
                # after the same other one (periodic host effects average out).
                for name in names[r % len(names) :] + names[: r % len(names)]:
                    mode, path, target = plan[name]
                    host_ms = host_speed_ms()  # the host's speed right before this round
                    if args.requests:
                        result = self.wrk_run(target, mode, path, 120, args.requests)
                    else:
                        result = self.wrk_run(target, mode, path, args.duration)
                    result["host_ms"] = host_ms
                    rounds[name].append(result)
                    log(
                        f"  round {r + 1} {name}: {result['rps']:.1f} req/s, "
                        f"p50 {result['p50_us'] / 1000:.1f} ms, p99 {result['p99_us'] / 1000:.1f}"
                        f" ms, errors {result['errors']}/{result['checked']}, reference loop"
                        f" {host_ms:.1f} ms"
                    )
        return {
            name: {
                "rps": round(statistics.median(x["rps"] for x in rs), 1),
                "p50_ms": round(statistics.median(x["p50_us"] for x in rs) / 1000, 2),
                "p99_ms": round(statistics.median(x["p99_us"] for x in rs) / 1000, 2),
                "errors": sum(x["errors"] for x in rs),
                "responses": sum(x["checked"] for x in rs),
                "cache_hits": sum(x["cache_hits"] for x in rs),
                "peak_worker_rss_mb": round(rss.peak_kb / 1024, 1),
                "rounds": [
                    {k: x[k] for k in ("rps", "p50_us", "p99_us", "errors", "checked", "host_ms")}
                    for x in rs
                ],
            }
            for name, rs in rounds.items()
        }


def proposal_pks(server: Server) -> list[int]:
    pks, after = [], None
    while True:
        body = server.post({"query": IDS, "variables": {**VARIABLES, "after": after}})
        if body.get("errors"):
            raise SystemExit(f"proposal ids query failed: {body['errors']}")
        conn = body["data"]["consultation"]["proposals"]
        for edge in conn["edges"]:
            _kind, _, pk = base64.b64decode(edge["node"]["id"]).decode().partition(":")
            pks.append(int(pk))
        if not conn["pageInfo"]["hasNextPage"]:
            return pks
        after = conn["pageInfo"]["endCursor"]


def write_items(args, tokens: dict[int, str], pks: list[int], count: int) -> list[tuple]:
    """The write mix (bench.operations.write_mix), never repeating a support already in the
    database."""
    rows = psql(
        args,
        "select u.username, s.proposal_id from participation_support s "
        "join accounts_user u on u.id = s.user_id",
        args.db,
    )
    taken = set()
    for row in rows.splitlines():
        username, pk = row.split("|")
        taken.add((int(username.rsplit("-", 1)[1]), int(pk)))
    return write_mix(tokens, pks, taken, count)


def check_counts(args: argparse.Namespace) -> dict:
    wrong_supports = psql(
        args,
        "select count(*) from participation_proposal p where p.support_count <> "
        "(select count(*) from participation_support s where s.proposal_id = p.id)",
        args.db,
    )
    wrong_comments = psql(
        args,
        "select count(*) from participation_proposal p where p.comment_count <> "
        "(select count(*) from participation_comment c where c.proposal_id = p.id "
        "and not c.is_hidden and not c.is_deleted)",
        args.db,
    )
    totals = psql(
        args,
        "select (select count(*) from participation_support)||','||"
        "(select count(*) from participation_comment)",
        args.db,
    )
    supports, comments = totals.split(",")
    return {
        "proposals_with_wrong_support_count": int(wrong_supports),
        "proposals_with_wrong_comment_count": int(wrong_comments),
        "supports_total": int(supports),
        "comments_total": int(comments),
        "exact": wrong_supports == "0" and wrong_comments == "0",
    }


def sql_counts(tree: Path, env: dict, workdir: Path, specs: dict) -> dict:
    path = workdir / "sqlcount.json"
    path.write_text(json.dumps(specs))
    out = run([python_for(tree), str(BENCH / "sqlcount.py"), str(path)], cwd=tree, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


# --- the run ---------------------------------------------------------------------------------


def prepare_tree(args: argparse.Namespace, workdir: Path) -> tuple[Path, str]:
    commit = run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]).stdout.strip()
    if not args.from_head:
        dirty = run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"])
        return REPO, commit + ("+dirty" if dirty.stdout.strip() else "")
    tree = workdir / "tree"
    tree.mkdir()
    archive = subprocess.Popen(["git", "-C", str(REPO), "archive", "HEAD"], stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(tree)], stdin=archive.stdout, check=True)
    archive.wait()
    return tree, commit


def writes_copy_name(args: argparse.Namespace) -> str:
    return f"{args.db}_writes"


def writes_copy(args: argparse.Namespace) -> argparse.Namespace:
    """A copy of the loaded database (a PostgreSQL template copy: same rows, same ids, same
    planner statistics) for the write mix, and the arguments that name it."""
    name = writes_copy_name(args)
    psql(args, f'drop database if exists "{name}" with (force)')
    psql(args, f'create database "{name}" template "{args.db}"')
    return argparse.Namespace(**{**vars(args), "db": name})


def load_dataset(args, tree, env, script: Path, size: int, workdir: Path, fresh: bool) -> dict:
    data = workdir / f"dataset-{size}.json"
    if not data.exists():
        run([sys.executable, str(script), "--proposals", str(size), "--json", str(data)])
    if fresh:
        psql(args, f'drop database if exists "{args.db}" with (force)')
        psql(args, f'create database "{args.db}"')
        run([python_for(tree), "manage.py", "migrate", "--noinput"], cwd=tree, env=env)
    tokens_path = workdir / f"tokens-{size}.json"
    cmd = [python_for(tree), "manage.py", "load_benchmark_dataset", str(data), "--replace"]
    cmd += ["--open-now", "--tokens-out", str(tokens_path)]
    started = time.monotonic()
    run(cmd, cwd=tree, env=env)
    log(f"loaded {size} proposals per agency in {time.monotonic() - started:.0f}s")
    return {int(k): v for k, v in json.loads(tokens_path.read_text()).items()}


def main() -> None:
    args = parse_args()
    started = time.monotonic()
    script = find_dataset_script(args.dataset_script)
    wrk = ensure_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="ruamkhid-bench-"))
    tree, commit = prepare_tree(args, workdir)
    database_url, transport = server_database_url(args)
    env = base_env(args, database_url)
    admin_env = {**env, "DATABASE_URL": admin_database_url(args)}
    driver = Driver(args, wrk, workdir)
    load_before = loadavg()
    results: dict = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "machine": {
            "cpus": os.cpu_count(),
            "loadavg_before": load_before,
            "reference_loop_ms_before": host_speed_ms(),
        },
        "settings": {
            "server": f"gunicorn config.wsgi, {args.workers} sync workers, DEBUG=0, "
            f"DB_CONN_MAX_AGE=600, PostgreSQL over {transport}",
            "wrk": f"1 thread, {args.connections} connections, warm-up {args.warmup:g}s, "
            f"{args.rounds} rounds of "
            + (f"{args.requests} requests" if args.requests else f"{args.duration:g}s"),
            "variables": VARIABLES,
        },
    }
    bodies = {}
    for name, query in (("Q1", Q1), ("Q2", Q2)):
        bodies[name] = workdir / f"{name}.json"
        bodies[name].write_text(json.dumps({"query": query, "variables": VARIABLES}))
    server = None
    try:
        size0 = args.sizes[0]
        log(f"dataset {size0}, fresh database {args.db}, migrate, load")
        tokens = load_dataset(args, tree, admin_env, script, size0, workdir, fresh=True)
        # The write mix gets a copy of its own: reads measure the dataset as specified, not
        # one the writes grew and bloated (bench/PROFILE.md, session 11).
        writes_args = writes_copy(args)

        # 1. uncached reads and the write mix, at the first size
        server = Server(tree, env, args.workers, workdir)
        writes_url, _ = server_database_url(writes_args)
        writes_server = Server(tree, {**env, "DATABASE_URL": writes_url}, args.workers, workdir)
        pks = proposal_pks(server)
        count = 40000
        items = write_items(args, tokens, pks, count + 4)
        write_feed = WriteFeed(items[:count], workdir)
        specs = {
            "Q1": {"body": json.loads(bodies["Q1"].read_text())},
            "Q2": {"body": json.loads(bodies["Q2"].read_text())},
            "supportProposal": {"body": items[count][1], "token": items[count][0]},
            "supportProposal#2": {"body": items[count + 2][1], "token": items[count + 2][0]},
            "addComment": {"body": items[count + 1][1], "token": items[count + 1][0]},
            "addComment#2": {"body": items[count + 3][1], "token": items[count + 3][0]},
        }
        results["sql_per_request"] = sql_counts(tree, admin_env, workdir, specs)
        log(f"SQL statements per request: {results['sql_per_request']}")
        log("uncached: Q1, Q2, writes (alternating rounds)")
        results["uncached"] = driver.measure(
            server,
            {
                "Q1": ("read", bodies["Q1"]),
                "Q2": ("read", bodies["Q2"]),
                "writes": ("write", write_feed, writes_server),
            },
        )
        results["counts_after_writes"] = check_counts(writes_args)
        log(f"counts after the write mix: {results['counts_after_writes']}")
        server.stop()
        writes_server.stop()
        server = None

        # 2. cached reads (the anonymous answer cache in Redis)
        if not args.no_cached:
            cached_env = {
                **env,
                "CACHE_URL": args.redis,
                "CACHE_KEY_PREFIX": f"bench-{os.getpid()}-{secrets.token_hex(4)}",
                "GRAPHQL_ANSWER_CACHE_SECONDS": "30",
            }
            server = Server(tree, cached_env, args.workers, workdir)
            log("cached: Q1, Q2")
            results["cached"] = driver.measure(
                server, {"Q1": ("read", bodies["Q1"]), "Q2": ("read", bodies["Q2"])}
            )
            server.stop()
            server = None

        # 3. scaling: every size in a fresh database of its own, served side by side and
        # measured in alternating rounds (a machine drifting slower biases no size).
        log("scaling: " + ", ".join(str(size) for size in args.sizes) + " proposals per agency")
        scaling_ops: dict[str, tuple] = {}
        sql_by_size = {}
        for size in args.sizes:
            sized = sized_args(args, size)
            sized_url, _ = server_database_url(sized)
            sized_admin = {**admin_env, "DATABASE_URL": admin_database_url(sized)}
            load_dataset(sized, tree, sized_admin, script, size, workdir, fresh=True)
            sized_server = Server(tree, {**env, "DATABASE_URL": sized_url}, args.workers, workdir)
            sql_by_size[size] = sql_counts(
                tree, sized_admin, workdir, {k: specs[k] for k in ("Q1", "Q2")}
            )
            for name in ("Q1", "Q2"):
                scaling_ops[f"{size}/{name}"] = ("read", bodies[name], sized_server)
        measured = driver.measure(None, scaling_ops)
        results["scaling"] = {
            str(size): {
                "Q1": measured[f"{size}/Q1"],
                "Q2": measured[f"{size}/Q2"],
                "sql": sql_by_size[size],
            }
            for size in args.sizes
        }
    finally:
        if server is not None:
            server.stop()
        _stop_everything()
        if not args.keep:
            sized = [sized_args(args, size).db for size in args.sizes]
            for db in [args.db, writes_copy_name(args), *sized]:
                subprocess.run(
                    [
                        "psql",
                        "-h",
                        args.pg_host,
                        "-U",
                        args.pg_user,
                        "-d",
                        "postgres",
                        "-qc",
                        f'drop database if exists "{db}" with (force)',
                    ],
                    capture_output=True,
                )
        shutil.rmtree(workdir, ignore_errors=True)
    results["machine"]["loadavg_after"] = loadavg()
    results["machine"]["reference_loop_ms_after"] = host_speed_ms()
    results["elapsed_s"] = round(time.monotonic() - started)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / "latest.md").write_text(markdown(results))
    print(markdown(results))
    log(f"done in {results['elapsed_s']}s; wrote {out / 'latest.json'} and latest.md")


def markdown(r: dict) -> str:
    sql = r["sql_per_request"]
    lines = [
        f"Benchmark of {r['commit']} at {r['started_at']} ({r['machine']['cpus']} CPUs; load "
        f"average before {r['machine']['loadavg_before']}, after "
        f"{r['machine'].get('loadavg_after')}; {REFERENCE_LOOP:,}-step Python reference loop "
        f"{r['machine'].get('reference_loop_ms_before')} ms before, "
        f"{r['machine'].get('reference_loop_ms_after')} ms after, lower is faster). "
        f"{r['settings']['server']}; wrk "
        f"{r['settings']['wrk']}; medians. Errors = non-2xx + bodies with GraphQL or typed "
        "errors, every response checked.",
        "",
        "| operation | req/s | p50 ms | p99 ms | errors / responses | SQL/request | peak worker RSS MB |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, label in (("Q1", "Q1 uncached"), ("Q2", "Q2 uncached"), ("writes", "writes (1:1)")):
        m = r["uncached"][name]
        s = f"{sql['supportProposal']} / {sql['addComment']}" if name == "writes" else sql[name]
        lines.append(
            f"| {label} | {m['rps']} | {m['p50_ms']} | {m['p99_ms']} | {m['errors']} / "
            f"{m['responses']} | {s} | {m['peak_worker_rss_mb']} |"
        )
    for name, m in r.get("cached", {}).items():
        lines.append(
            f"| {name} cached (answer cache, {m['cache_hits']} hits) | {m['rps']} | "
            f"{m['p50_ms']} | {m['p99_ms']} | {m['errors']} / {m['responses']} | 1 cache "
            f"lookup, 0 SQL on a hit | {m['peak_worker_rss_mb']} |"
        )
    c = r["counts_after_writes"]
    lines += [
        "",
        f"Counts after the write mix: {'exact' if c['exact'] else 'WRONG'} "
        f"({c['proposals_with_wrong_support_count']} proposals with a wrong support_count, "
        f"{c['proposals_with_wrong_comment_count']} with a wrong comment_count; "
        f"{c['supports_total']} supports, {c['comments_total']} comments in all).",
        "",
        "Scaling (uncached; proposals per agency):",
        "",
        "| proposals | Q1 req/s | Q1 p50 ms | Q1 p99 ms | Q1 SQL | Q2 req/s | Q2 p50 ms | Q2 p99 ms | Q2 SQL |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for size, m in r["scaling"].items():
        q1, q2 = m["Q1"], m["Q2"]
        lines.append(
            f"| {int(size):,} | {q1['rps']} | {q1['p50_ms']} | {q1['p99_ms']} | {m['sql']['Q1']}"
            f" | {q2['rps']} | {q2['p50_ms']} | {q2['p99_ms']} | {m['sql']['Q2']} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
