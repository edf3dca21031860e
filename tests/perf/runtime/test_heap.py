"""Serving processes freeze their import-time heap and collect rarely (perf/runtime/heap.py)."""

from __future__ import annotations

import json
import runpy
import subprocess
import sys

from perf.runtime import heap
from tests.config.test_dockerfile import BASE_DIR, GUNICORN_CONF


def test_settle_heap_freezes_what_is_loaded_and_raises_the_thresholds():
    # In a process of its own: the test run's collector stays as it is.
    script = (
        "import gc, json; import django.db.models;"
        "from perf.runtime.heap import settle_heap, THRESHOLDS;"
        "before = gc.get_freeze_count(); settle_heap();"
        "print(json.dumps([before, gc.get_freeze_count(), gc.get_threshold() == THRESHOLDS]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, capture_output=True, text=True, check=True
    )
    before, after, thresholds = json.loads(out.stdout)
    assert before == 0 and after > 10_000 and thresholds is True


def test_gunicorn_preloads_and_settles_the_heap_before_forking(monkeypatch):
    calls = []
    monkeypatch.setattr(heap, "settle_heap", lambda: calls.append("settle"))
    monkeypatch.setattr("django.db.connections.close_all", lambda: calls.append("close"))
    conf = runpy.run_path(str(GUNICORN_CONF))
    assert conf["preload_app"] is True
    conf["when_ready"](object())
    assert calls == ["close", "settle"]  # no connection is inherited by the workers
