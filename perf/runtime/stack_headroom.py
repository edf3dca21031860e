"""Run a request where CPython's frame stack has room, so calls stop mapping memory.

CPython 3.11 and 3.12 keep frames in per-thread 16 KiB chunks; a call that does not fit maps
a new chunk and its return unmaps it (gh-142183; 3.13 caches one chunk per thread). Code that
loops at a chunk boundary pays two system calls per call. Calling the request through one
function whose frame is too big for an ordinary chunk makes CPython map a 64 KiB chunk with
room to spare, once, and everything the request calls lives in it. Off on other Pythons.
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
