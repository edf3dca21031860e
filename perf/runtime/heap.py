"""Garbage-collector settings for a serving process.

An answer allocates many short-lived containers, and with CPython's default thresholds each
full collection walks the million objects Django, Wagtail and strawberry create at import.
Freezing the import-time heap takes it out of every later collection (and keeps its pages
shared between forked workers); a higher first threshold makes collections rarer without
letting cyclic garbage pile up.
"""

from __future__ import annotations

import gc

from perf.switches import active

THRESHOLDS = (20_000, 10, 10)


def settle_heap() -> None:
    """Call once the application is loaded, before serving (gunicorn: before forking)."""
    if not active("heap"):
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
