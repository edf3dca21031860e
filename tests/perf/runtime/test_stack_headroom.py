"""Requests run where CPython's frame stack has room (perf/runtime/stack_headroom.py)."""

from __future__ import annotations

import resource
import runpy
import sys
from typing import Any

import pytest

from perf.runtime import stack_headroom
from perf.runtime.stack_headroom import (
    CHUNK_BYTES,
    ROOMY_CODE,
    call_with_headroom,
    in_headroom,
)
from tests.config.test_dockerfile import GUNICORN_CONF

_FRAME_SPECIALS = 10  # CPython 3.11-3.14 keep 7-10 bookkeeping slots per frame


def _roomy_frames() -> int:
    frame, count = sys._getframe(), 0
    while frame is not None:
        count += frame.f_code is ROOMY_CODE
        frame = frame.f_back
    return count


def _down(n: int) -> int:
    return 0 if n == 0 else _down(n - 1)


def _sweep(depths: range, calls: int) -> int:
    """Minor page faults while calling at every depth of `depths`, `calls` times each."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for depth in depths:
        for _ in range(calls):
            _down(depth)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def test_the_big_frame_gets_a_chunk_with_room_after_it():
    # CPython's push_chunk: the smallest power of two from 16 KiB holding frame + 1,000 slots.
    slots = ROOMY_CODE.co_nlocals + ROOMY_CODE.co_stacksize + _FRAME_SPECIALS
    chunk = 16 * 1024
    while chunk < 8 * (slots + 1000):
        chunk *= 2
    assert chunk == CHUNK_BYTES == 64 * 1024
    assert slots * 8 > 16 * 1024  # never fits an ordinary chunk: always a chunk of its own
    assert chunk - slots * 8 >= 38 * 1024  # the room the request runs in


def test_arguments_results_and_errors_pass_through():
    assert call_with_headroom(lambda a, *, b: (a, b, in_headroom()), 1, b=2) == (1, 2, True)
    assert not in_headroom()
    with pytest.raises(KeyError, match="x"):
        call_with_headroom({}.__getitem__, "x")
    assert not in_headroom()  # reset after an error too


def test_nested_calls_use_the_one_room():
    depth = call_with_headroom(lambda: call_with_headroom(_roomy_frames))
    assert depth == 1


def test_a_call_loop_in_the_room_maps_no_memory():
    # 200 frames of ~100 bytes reach past a 16 KiB chunk wherever this test starts, so without
    # room some depth loops across a boundary (one fresh page per call on CPython < 3.13);
    # in the room (~40 KiB) none does.
    depths, calls = range(1, 200), 40
    _sweep(depths, 1)  # warm: any one-time growth happens here
    outside = _sweep(depths, calls)
    inside = call_with_headroom(_sweep, depths, calls)
    assert inside < 10, inside
    if outside < calls:
        pytest.skip(f"this CPython caches a stack chunk (gh-142183): {outside} faults outside")
    assert outside >= calls


def test_every_request_runs_in_the_room(client, db, monkeypatch):
    from graph import views

    seen: list[int] = []
    run = views.GraphQLView.run

    def recording_run(self: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(_roomy_frames())
        return run(self, *args, **kwargs)

    monkeypatch.setattr(views.GraphQLView, "run", recording_run)
    body = {"query": "{ __typename }"}
    response = client.post("/graphql/", body, content_type="application/json")
    assert response.status_code == 200
    assert seen == [1]


def test_gunicorn_workers_loop_in_the_room(monkeypatch):
    class Worker:
        def run(self) -> tuple[bool, int]:
            return in_headroom(), _roomy_frames()

    worker = Worker()
    conf = runpy.run_path(str(GUNICORN_CONF))
    conf["post_worker_init"](worker)
    assert worker.run() == (True, 1)
    assert not stack_headroom.in_headroom()
