"""The benchmark driver's own logic (bench/run.py), without PostgreSQL, gunicorn or wrk."""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

import pytest

from bench import run


def items(count: int) -> list[tuple[str, dict]]:
    return [(f"token-{i}", {"query": "mutation", "variables": {"n": i}}) for i in range(count)]


def lines(path: Path) -> list[int]:
    return [json.loads(line.split("\t", 1)[1])["variables"]["n"] for line in path.open()]


def test_each_write_round_continues_where_the_last_one_stopped(tmp_path):
    feed = run.WriteFeed(items(10), tmp_path)
    assert lines(feed.next_file()) == list(range(10))
    feed.consumed(4)
    assert lines(feed.next_file()) == list(range(4, 10))
    feed.consumed(6)
    with pytest.raises(SystemExit, match="ran out of prepared writes"):
        feed.next_file()


class FakeServer:
    def __init__(self, name: str) -> None:
        self.name = name

    def workers(self) -> list[int]:
        return []


def fake_driver(calls: list, rates: dict[str, list[float]]) -> run.Driver:
    args = argparse.Namespace(warmup=2, rounds=3, duration=5, requests=0, connections=8)
    driver = run.Driver(args, "wrk", Path("."))

    def wrk_run(server, mode, path, seconds, limit=0):
        calls.append((server.name, str(path), seconds))
        if seconds == args.warmup:
            return {}
        rps = rates[f"{server.name}:{path}"].pop(0)
        return {
            "rps": rps,
            "p50_us": 1000 * rps,
            "p99_us": 2000 * rps,
            "errors": 0,
            "checked": 10,
            "cache_hits": 0,
        }

    driver.wrk_run = wrk_run
    return driver


def test_rounds_alternate_across_operations_and_servers_and_report_medians():
    small, large = FakeServer("200"), FakeServer("5000")
    calls: list = []
    rates = {"200:Q1": [10.0, 30.0, 20.0], "5000:Q1": [1.0, 3.0, 2.0]}
    driver = fake_driver(calls, rates)
    measured = driver.measure(
        None, {"200/Q1": ("read", "Q1", small), "5000/Q1": ("read", "Q1", large)}
    )
    assert [(name, seconds) for name, _path, seconds in calls[:2]] == [("200", 2), ("5000", 2)]
    # then alternating rounds, each starting one operation later
    rounds = [(name, seconds) for name, _path, seconds in calls[2:]]
    assert rounds == [("200", 5), ("5000", 5), ("5000", 5), ("200", 5), ("200", 5), ("5000", 5)]
    assert measured["200/Q1"]["rps"] == 20.0 and measured["5000/Q1"]["rps"] == 2.0
    assert measured["200/Q1"]["p50_ms"] == 20.0
    # every round records how fast the host ran Python right before it (the host drifts)
    assert all(r["host_ms"] > 0 for r in measured["200/Q1"]["rounds"])


def test_an_operation_without_a_server_of_its_own_uses_the_given_one():
    main = FakeServer("main")
    calls: list = []
    driver = fake_driver(calls, {"main:Q2": [5.0, 6.0, 7.0]})
    assert driver.measure(main, {"Q2": ("read", "Q2")})["Q2"]["rps"] == 6.0
    assert {name for name, _p, _s in calls} == {"main"}


def test_each_scaling_size_gets_its_own_database():
    args = argparse.Namespace(db="ruamkhid_bench", pg_user="postgres", pg_host="127.0.0.1")
    sized = run.sized_args(args, 5000)
    assert sized.db == "ruamkhid_bench_5000" and args.db == "ruamkhid_bench"
    assert run.admin_database_url(sized).endswith("/ruamkhid_bench_5000")


def test_the_write_mix_gets_a_template_copy_of_the_loaded_database(monkeypatch):
    statements = []
    monkeypatch.setattr(run, "psql", lambda args, sql, db="postgres": statements.append(sql))
    args = argparse.Namespace(db="ruamkhid_bench", pg_user="postgres", pg_host="127.0.0.1")
    copy = run.writes_copy(args)
    assert copy.db == "ruamkhid_bench_writes" and args.db == "ruamkhid_bench"
    assert statements == [
        'drop database if exists "ruamkhid_bench_writes" with (force)',
        'create database "ruamkhid_bench_writes" template "ruamkhid_bench"',
    ]
    assert run.admin_database_url(copy).endswith("/ruamkhid_bench_writes")


def test_wrk_is_installed_from_debian_when_missing(monkeypatch):
    found = iter([None, "/usr/bin/wrk"])
    commands = []
    monkeypatch.setattr(run.shutil, "which", lambda name: next(found))
    monkeypatch.setattr(
        run.subprocess,
        "run",
        lambda cmd, **kw: commands.append(cmd) or subprocess.CompletedProcess(cmd, 0),
    )
    assert run.ensure_wrk() == "/usr/bin/wrk"
    assert [c[-1] for c in commands] == ["-qq", "wrk"]
    assert any("install" in c for c in commands)


def test_a_failed_install_stops_the_run(monkeypatch):
    monkeypatch.setattr(run.shutil, "which", lambda name: None)
    monkeypatch.setattr(
        run.subprocess, "run", lambda cmd, **kw: subprocess.CompletedProcess(cmd, 100)
    )
    with pytest.raises(SystemExit, match="could not install wrk"):
        run.ensure_wrk()


def test_markdown_lists_every_size_and_says_whether_counts_were_exact():
    op = {
        "rps": 1.0,
        "p50_ms": 2.0,
        "p99_ms": 3.0,
        "errors": 0,
        "responses": 9,
        "peak_worker_rss_mb": 100.0,
        "cache_hits": 0,
    }
    results = {
        "commit": "abc",
        "started_at": "now",
        "machine": {
            "cpus": 2,
            "loadavg_before": [0],
            "reference_loop_ms_before": 91.5,
            "reference_loop_ms_after": 97.25,
        },
        "settings": {"server": "gunicorn", "wrk": "1 thread"},
        "sql_per_request": {"Q1": 5, "Q2": 3, "supportProposal": 16, "addComment": 13},
        "uncached": {"Q1": op, "Q2": op, "writes": op},
        "counts_after_writes": {
            "exact": True,
            "proposals_with_wrong_support_count": 0,
            "proposals_with_wrong_comment_count": 0,
            "supports_total": 1,
            "comments_total": 1,
        },
        "scaling": {
            str(n): {"Q1": op, "Q2": op, "sql": {"Q1": 5, "Q2": 3}} for n in (200, 1000, 5000)
        },
    }
    text = run.markdown(results)
    assert "Counts after the write mix: exact" in text
    assert [
        line.split("|")[1].strip()
        for line in text.splitlines()
        if line.startswith(("| 200 ", "| 1,000 ", "| 5,000 "))
    ] == ["200", "1,000", "5,000"]
    assert "| 16 / 13 |" in text
    assert "reference loop 91.5 ms before, 97.25 ms after" in text


def test_the_reference_loop_times_this_host():
    assert 0 < run.host_speed_ms() < 60_000


def test_the_write_mix_alternates_citizens_and_never_repeats_a_support():
    from bench.operations import COMMENT, SUPPORT, proposal_gid, write_mix

    taken = {(1, 10), (1, 11)}
    mix = write_mix({1: "t1", 2: "t2", 3: "t3"}, [10, 11, 12], taken, 6)

    assert [token for token, _ in mix] == ["t1", "t2", "t3"] * 2
    assert [body["query"] for _, body in mix] == [SUPPORT, COMMENT] * 3
    supports = [(token, body["variables"]["id"]) for token, body in mix[::2]]
    assert len(set(supports)) == len(supports)
    assert ("t1", proposal_gid(10)) not in supports and ("t1", proposal_gid(11)) not in supports
    assert {(1, 12)} <= taken  # the mix records what it supported
