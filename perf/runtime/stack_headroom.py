"""Run a request where CPython's frame stack has room, so calls stop mapping memory.

CPython 3.11 keeps Python frames in a per-thread stack of 16 KiB chunks. A call that does not fit
the current chunk maps a new one (`mmap`), and the return unmaps it at once (`munmap`). Code that
loops at exactly that depth pays two system calls and a page fault on *every* call: CPython
issue gh-142183 ("Calls across stack chunks perform badly"), fixed in 2026 by caching one chunk
per thread in 3.13 and 3.14 patch releases, never in 3.11 or 3.12.

A GraphQL answer runs deep (Django's handler, strawberry, graphql-core's executor, the ORM), and
the benchmark's Q1 loops over 300 rows right at such a boundary: strace counted 250 pairs of
16 KiB `mmap`/`munmap` per Q1, and the rows' `from_db` took 10 µs inside a request against 1 µs
in a loop (bench/PROFILE.md, session 5).

The cure here: call the request through one function whose frame is too big for any ordinary
chunk. CPython then maps a chunk for it sized to the next power of two that also leaves its
minimum spare room (`push_chunk`: 1,000 slots), and this frame's size is chosen so that the
chunk is 64 KiB with ~40 KiB free after the frame. Everything the request calls lives in that
room, far from any boundary; the chunk is mapped once per call of `call_with_headroom` (once per
worker when gunicorn's worker loop runs inside it, docker/gunicorn.conf.py) instead of hundreds of
times per request. Nested calls run directly: one room per thread is enough.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from perf.switches import active

T = TypeVar("T")

# 3.13 and later cache a chunk per thread (gh-142183); other implementations have no chunks.
AFFECTED_PYTHON = sys.implementation.name == "cpython" and sys.version_info < (3, 13)

CHUNK_BYTES = 64 * 1024  # the chunk CPython maps for the big frame
_SLOT_BYTES = 8  # one PyObject* per frame slot (64-bit builds)
_MINIMUM_OVERHEAD_SLOTS = 1000  # CPython's push_chunk keeps this much room after a new frame
# push_chunk doubles 16 KiB until it holds the frame plus the overhead: a frame just over half
# the chunk less the overhead gets CHUNK_BYTES, with the most room left after it.
LOCAL_SLOTS = CHUNK_BYTES // 2 // _SLOT_BYTES - _MINIMUM_OVERHEAD_SLOTS + 16


def _build_roomy_call() -> Callable[..., Any]:
    names = [f"_slot{i}" for i in range(LOCAL_SLOTS)]
    # The assignments never run; they only make the names locals, i.e. frame slots.
    source = (
        "def roomy_call(fn, args, kwargs):\n"
        "    if fn is None:\n"
        f"        {' = '.join(names)} = None\n"
        "    return fn(*args, **kwargs)\n"
    )
    namespace: dict[str, Any] = {}
    exec(compile(source, "<perf.runtime.stack_headroom>", "exec"), namespace)
    return namespace["roomy_call"]


_roomy_call = _build_roomy_call()
ROOMY_CODE = _roomy_call.__code__
_state = threading.local()


def applies() -> bool:
    """Switched on, and on a CPython whose frame stack maps and unmaps chunks per call."""
    return AFFECTED_PYTHON and active("stack_headroom")


def in_headroom() -> bool:
    """Whether this thread is running inside `call_with_headroom`."""
    return getattr(_state, "active", False)


def call_with_headroom(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn(*args, **kwargs)`, called with room on the frame stack (see the module docstring)."""
    if in_headroom() or not applies():
        return fn(*args, **kwargs)
    _state.active = True
    try:
        return _roomy_call(fn, args, kwargs)
    finally:
        _state.active = False


class StackHeadroomMiddleware:
    """Outermost middleware: every request (runserver, tests, any WSGI server) runs with room."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        return call_with_headroom(self.get_response, request)


def run_worker_with_headroom(worker: Any) -> None:
    """gunicorn's post_worker_init: the worker's whole loop runs inside one room, so requests
    map nothing (the middleware then calls straight through)."""
    run = worker.run
    worker.run = lambda: call_with_headroom(run)
