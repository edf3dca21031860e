"""Cross-tenant isolation: nothing private of agency B reaches anyone without a role in B.

Documents are generated from the schema itself (hypothesis-graphql), so every root field and
type is covered without a hand-written list; ids are drawn from both agencies' real rows.
See tests/security/conftest.py for the world and its canaries.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import strategies as gql_st

from graph.schema import schema
from tests.security.conftest import (
    EXAMPLES,
    VIEWERS,
    fixed_documents,
    graphql_core_schema,
    run,
    scalar_strategies,
    unexpected_errors,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def check_isolation(gql_schema, world, viewers: list[str], max_examples: int) -> dict[str, Any]:
    """Run `max_examples` generated queries, each as every viewer in `viewers`; fail on any
    private B canary in an answer (except for the superuser control) and on any unexpected
    server error. Generating a document costs more than running it, so each one is run for all
    viewers: every viewer gets `max_examples` documents.

    Returns the B canaries seen per viewer, public and private, so callers can check coverage.
    """
    private = world["B"]["canaries"].private
    public = world["B"]["canaries"].public
    seen: dict[str, Any] = {v: {"public": set(), "private": set()} for v in viewers}
    seen["_timing"] = {"run": 0.0}
    documents = gql_st.queries(
        graphql_core_schema(gql_schema),
        custom_scalars=scalar_strategies(world),
        allow_x00=False,
    )

    def check_one(document: str, scope: str | None) -> None:
        for viewer in viewers:
            cache.clear()  # no rate-limit budget or cached answer carries over
            started = time.monotonic()
            answer = run(gql_schema, document, world["users"][viewer], scope)
            seen["_timing"]["run"] += time.monotonic() - started
            bad = unexpected_errors(answer)
            assert not bad, f"server error for {viewer} (X-Agency {scope}):\n{document}\n{bad}"
            text = answer.text()
            leaked = sorted(c for c in private if c in text)
            seen[viewer]["private"].update(leaked)
            seen[viewer]["public"].update(c for c in public if c in text)
            if viewer != "superuser":
                assert not leaked, (
                    f"{viewer} (X-Agency {scope}) read private B content {leaked}:\n"
                    f"{document}\n{text}"
                )

    @settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(document=documents, scope=st.sampled_from([None, "sec-a", "sec-b"]))
    def check(document: str, scope: str | None) -> None:
        check_one(document, scope)

    logger = logging.getLogger("strawberry.execution")
    was_disabled, logger.disabled = logger.disabled, True  # expected errors: no traceback spam
    try:
        for document in fixed_documents(world):
            check_one(document, None)
        check()
    finally:
        logger.disabled = was_disabled
    return seen


def test_no_private_b_content_reaches_other_viewers(world):
    started = time.monotonic()
    seen = check_isolation(schema, world, VIEWERS, EXAMPLES)
    elapsed = time.monotonic() - started
    print(
        f"\n{EXAMPLES} documents x {len(VIEWERS)} viewers in {elapsed:.1f}s "
        f"(executing {seen['_timing']['run']:.1f}s)"
    )
    for viewer in VIEWERS:
        print(
            f"  {viewer}: B public seen {len(seen[viewer]['public'])}, "
            f"B private seen {len(seen[viewer]['private'])}"
        )
    # The generator really reaches B's rows (else the harness would pass vacuously).
    public = world["B"]["canaries"].public
    for viewer in VIEWERS:
        missing = public - seen[viewer]["public"]
        assert not missing, f"{viewer} never read public B content {sorted(missing)}"
    # The superuser control reads B's private rows (the canaries are findable at all).
    assert seen["superuser"]["private"]
