"""bench/ab.py: requests alternate A B B A, and the comparison is of the pairs it made."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench import ab


def test_the_order_alternates_so_that_each_side_goes_first_half_the_time():
    sides = list(ab.order(4))
    assert sides == [0, 1, 1, 0, 0, 1, 1, 0]
    assert sides.count(0) == sides.count(1) == 4


def test_a_comparison_reports_medians_ratio_and_the_pairs_the_second_side_won():
    result = ab.compare([10.0, 12.0, 11.0, 30.0], [9.0, 12.5, 10.0, 8.0])
    assert (result.a_median, result.b_median) == (11.5, 9.5)
    assert result.b_faster_pairs == 3 and result.pairs == 4
    assert result.ratio == pytest.approx(9.5 / 11.5)
    assert "b faster in 3 of 4 pairs" in result.line("a", "b")
    with pytest.raises(ValueError):
        ab.compare([1.0], [])


def fake_worker(tmp_path: Path, cost: float) -> ab.Worker:
    """A worker that answers every request with `cost`, counting how many it served."""
    script = tmp_path / f"worker-{cost}.py"
    script.write_text(
        "import sys\n"
        "served = 0\n"
        "for _ in sys.stdin:\n"
        "    served += 1\n"
        f"    print({cost} + served / 1000, flush=True)\n"
    )
    return ab.Worker([sys.executable, str(script)], tmp_path)


def test_the_driver_warms_both_sides_up_then_measures_each_n_times(tmp_path):
    workers = [fake_worker(tmp_path, 20.0), fake_worker(tmp_path, 10.0)]
    try:
        result = ab.run(workers, 6)
    finally:
        for worker in workers:
            worker.stop()
    # Answers 11..16 of each worker (after the warm-up's 10): medians of cost + 0.011 .. 0.016.
    assert result.a_median == pytest.approx(20.0135)
    assert result.b_median == pytest.approx(10.0135)
    assert result.b_faster_pairs == 6 and result.pairs == 6


def test_a_worker_that_stops_stops_the_comparison(tmp_path):
    script = tmp_path / "dies.py"
    script.write_text("raise SystemExit(3)\n")
    worker = ab.Worker([sys.executable, str(script)], tmp_path)
    worker.process.wait()  # (also when it is gone before the request is written)
    with pytest.raises(SystemExit, match="exit status 3"):
        worker.request()
    worker.stop()


def test_a_commit_is_compared_from_its_own_files(tmp_path):
    tree = ab.tree_of("HEAD", tmp_path, "a")
    assert (tree / "manage.py").is_file() and (tree / "bench" / "run.py").is_file()
    assert ab.tree_of(".", tmp_path, "b") == ab.REPO


def test_each_side_gets_alternate_pairs_of_the_write_mix():
    items = list(range(10))  # support, comment, support, comment, ...
    assert ab.side_of_writes(items, 0) == [0, 1, 4, 5, 8, 9]
    assert ab.side_of_writes(items, 1) == [2, 3, 6, 7]


def test_a_side_environment_is_parsed_and_a_malformed_one_refused():
    assert ab.parse_env(["PERF_PARTS_OFF=type_checks", "GRAPH_ENGINE=0"]) == {
        "PERF_PARTS_OFF": "type_checks",
        "GRAPH_ENGINE": "0",
    }
    with pytest.raises(SystemExit, match="NAME=value"):
        ab.parse_env(["GRAPH_ENGINE"])
