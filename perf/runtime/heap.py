"""Garbage-collector settings for a serving process.

A GraphQL answer allocates tens of thousands of short-lived container objects (rows, dicts,
resolver frames); with CPython's default thresholds that starts several collections per request,
and each full one walks the ~1 million objects Django, Wagtail and strawberry create at import
time (measured on the benchmark's Q1: 5 collections and ≈ 6 ms per request; bench/PROFILE.md).
Freezing the import-time heap takes it out of every later collection (and keeps its pages shared
between forked workers); a higher first threshold makes collections rare. Most garbage is freed
by reference counting anyway; the collector only has cycles left to find. Not too rare: rows
that know their siblings are cycles, and with a first threshold of 50,000 a worker's peak memory
grew by 15 MiB (to the edge of the benchmark's 150 MiB); at 20,000 it grows by about 2.
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
