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
import strawberry
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import strategies as gql_st

from cms.phases import PhaseKind
from graph.cms.types import PAGE_TYPES
from graph.schema import Mutation, Query, schema
from participation.models import Proposal, Support
from tests.factories import make_consultation
from tests.participation.conftest import make_comment, make_proposal, phases_with_current
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


# --- the harness catches a leak ----------------------------------------------------------------


def leaky_schema(world) -> strawberry.Schema:
    """The real schema plus one root field that leaks B's hidden proposal title to anyone."""
    hidden_pk = world["B"]["rows"]["H"].pk

    @strawberry.type
    class LeakyQuery(Query):
        @strawberry.field
        def leak(self) -> str | None:
            return Proposal.objects.get(pk=hidden_pk).title

    return strawberry.Schema(
        query=LeakyQuery,
        mutation=Mutation,
        types=list(PAGE_TYPES.values()),
        config=schema.config,
        extensions=schema.extensions,
    )


def test_harness_catches_a_planted_leak(world):
    with pytest.raises(AssertionError) as caught:
        check_isolation(leaky_schema(world), world, ["anonymous"], max(EXAMPLES // 5, 50))
    assert world["B"]["rows"]["H"].title in str(caught.value)


# --- answers scoped to A do not move when B grows ----------------------------------------------

A_SCOPED = [
    (
        """query { consultations(agency: "sec-a", first: 10) { totalCount
          pageInfo { hasNextPage endCursor } edges { cursor node { title
            proposals(first: 2, orderBy: SUPPORTS) { totalCount pageInfo { hasNextPage endCursor }
              edges { cursor node { title status supportCount commentCount isHidden
                comments(first: 5) { totalCount edges { node { body isHidden isDeleted
                  replies(first: 5) { totalCount edges { node { body } } } } } } } } }
            comments(first: 5) { totalCount edges { node { body } } } } } } }""",
        None,
    ),
    (
        """query { consultations(first: 10) { totalCount edges { node { title
          proposals(first: 10, orderBy: MOST_COMMENTED) { totalCount edges { node { title } } }
        } } } }""",
        "sec-a",
    ),
    (
        """query { agency(slug: "sec-a") { consultations(first: 10) { totalCount
          edges { node { title proposals(first: 1, after: "YXJyYXljb25uZWN0aW9uOjA=") {
            totalCount edges { node { title } } } } } } } }""",
        "sec-a",
    ),
    (
        """query { consultation(agency: "sec-a", slug: "sec-a-published") {
          proposals(first: 3, orderBy: OLDEST, status: SUBMITTED) { totalCount
            edges { node { title comments { totalCount } } } }
          comments(first: 3, orderBy: NEWEST) { totalCount edges { node { body } } } } }""",
        None,
    ),
]


def grow_b(world) -> None:
    """More of everything in B: proposals, comments, replies, supports, hidden rows, pages."""
    b = world["B"]
    c, author, agency = b["rows"]["C"], b["author"], b["agency"]
    participant = world["users"]["participant"]
    hidden = {"is_hidden": True, "hidden_reason": "more", "hidden_at": timezone.now()}
    for n in range(3):
        p = make_proposal(c, author, title=f"more-{n}")
        h = make_proposal(c, author, title=f"more-hidden-{n}", **hidden)
        k = make_comment(c, author, proposal=p, body=f"more-{n}")
        make_comment(c, author, proposal=p, parent=k, body=f"more-reply-{n}")
        make_comment(c, author, proposal=p, body=f"more-hidden-{n}", **hidden)
        make_comment(c, author, body=f"more-on-consultation-{n}")
        for target in (p, h):
            Support.objects.create(agency=agency, proposal=target, user=participant)
    make_consultation(
        agency,
        title="more consultation",
        slug="sec-b-more",
        phases=phases_with_current(PhaseKind.PROPOSALS),
    )


def test_a_scoped_answers_identical_after_b_grows(world):
    viewers = ["anonymous", "participant", "moderator_a", "admin_a"]

    def answers() -> list[str]:
        out = []
        for document, scope in A_SCOPED:
            for viewer in viewers:
                answer = run(schema, document, world["users"][viewer], scope)
                assert not answer.errors, (document, answer.errors)
                out.append(answer.text())
        return out

    before = answers()
    assert all("CANARY-A-" in text for text in before)  # the answers have content to lose
    with transaction.atomic():
        grow_b(world)
        after = answers()
        transaction.set_rollback(True)
    for old, new in zip(before, after, strict=True):
        assert old == new
