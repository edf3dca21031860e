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


# --- A's staff acting on B's ids: refused, nothing in B changes --------------------------------


def b_snapshot(world) -> dict[str, list]:
    from django.contrib.auth.models import Permission  # noqa: F401  (guardian needs auth loaded)
    from guardian.models import GroupObjectPermission, UserObjectPermission
    from wagtail.models import Page

    from accounts.models import ApiToken
    from participation.models import Comment, OfficialResponse, Report
    from permissions.models import Membership

    b = world["B"]
    agency = b["agency"]
    root = agency.site.root_page
    b_users = [b["author"].pk, *(u.pk for u in b["staff"].values())]

    def rows(qs) -> list:
        return sorted(map(repr, qs.values()))

    return {
        "proposals": rows(Proposal.objects.filter(agency=agency)),
        "comments": rows(Comment.objects.filter(agency=agency)),
        "supports": rows(Support.objects.filter(agency=agency)),
        "responses": rows(OfficialResponse.objects.filter(agency=agency)),
        "reports": rows(Report.objects.filter(agency=agency)),
        "memberships": rows(Membership.objects.filter(agency=agency)),
        "user_perms": rows(UserObjectPermission.objects.all()),
        "group_perms": rows(GroupObjectPermission.objects.all()),
        "pages": sorted(
            map(
                repr,
                Page.objects.descendant_of(root, inclusive=True).values_list(
                    "pk", "title", "live", "has_unpublished_changes"
                ),
            )
        ),
        "tokens": rows(ApiToken.objects.filter(user_id__in=b_users)),
    }


def cross_tenant_mutations(world) -> list[str]:
    """Every mutation taking an id or an agency, aimed at B.

    Moderation, responses, editing and roles are refused on every B row. Citizen actions
    (support, comment, report, submit) are open to anyone on B's *public* rows, as on any
    agency's, so they are aimed at B's non-public rows only (hidden, draft, private page).
    """
    ids, b = world["B"]["ids"], world["B"]
    proposals = ["P", "P2", "H", "W", "PP", "DP"]
    comments = ["K", "R", "HK", "HR", "DK", "KH", "CK", "HCK", "PK", "DRK"]
    private_proposals = ["H", "PP", "DP"]
    private_comments = ["HK", "HR", "KH", "HCK", "PK", "DRK", "DK"]
    out = []
    for key in proposals + comments:
        out += [
            f'hideContent(id: "{ids[key]}", reason: "x")',
            f'unhideContent(id: "{ids[key]}")',
        ]
    for key in proposals:
        out += [
            f'respondToProposal(id: "{ids[key]}", status: ACCEPTED, text: "x")',
            f'editProposal(id: "{ids[key]}", title: "x")',
            f'withdrawProposal(id: "{ids[key]}")',
        ]
    for key in comments:
        out += [
            f'editComment(id: "{ids[key]}", body: "x")',
            f'deleteComment(id: "{ids[key]}")',
        ]
    for key in private_proposals:
        out += [
            f'supportProposal(id: "{ids[key]}")',
            f'withdrawSupport(id: "{ids[key]}")',
            f'reportContent(id: "{ids[key]}", reason: "x")',
            f'addComment(body: "x", proposalId: "{ids[key]}")',
        ]
    for key in private_comments:
        out += [
            f'reportContent(id: "{ids[key]}", reason: "x")',
            f'addComment(body: "x", parentId: "{ids[key]}")',
        ]
    for key in ("DRAFT", "PRIV"):
        out += [
            f'addComment(body: "x", consultationId: "{ids[key]}")',
            f'submitProposal(consultationId: "{ids[key]}", title: "x", body: "x")',
        ]
    participant = world["users"]["participant"].email
    b_moderator = b["staff"]["moderator"].email
    for role in ("ADMIN", "EDITOR", "MODERATOR", "RESPONDER", "ANALYST"):
        out += [
            f'grantRole(agency: "sec-b", email: "{participant}", role: {role})',
            f'revokeRole(agency: "sec-b", email: "{b_moderator}", role: {role})',
        ]
    for role in ("MODERATOR", "RESPONDER", "ANALYST"):
        # A's own agency, but one of B's consultations: the scope must follow the consultation.
        out += [
            f'grantRole(agency: "sec-a", email: "{participant}", role: {role}, '
            f'consultationId: "{ids["C"]}")',
            f'grantRole(agency: "sec-b", email: "{participant}", role: {role}, '
            f'consultationId: "{ids["C"]}")',
        ]
    out.append(f'revokeApiToken(id: "{b["token"].pk}")')
    return out


def refused(answer) -> bool:
    """Refused: a top-level error or a payload with errors (and no unexpected error)."""
    assert not unexpected_errors(answer), answer.text()
    if answer.errors:
        return True
    payload = next(iter((answer.data or {}).values()), None) or {}
    return bool(payload.get("errors")) and not payload.get("ok")


@pytest.mark.parametrize("role", ["admin", "editor", "moderator", "responder", "analyst"])
def test_a_staff_cannot_act_on_b_ids(world, role):
    user = world["users"][f"{role}_a"]
    before = b_snapshot(world)
    accepted = []
    for field in cross_tenant_mutations(world):
        cache.clear()  # rate limits must not be what refuses
        name = field.split("(")[0]
        selection = (
            "ok errors { code }"
            if name in ("grantRole", "revokeRole", "reportContent")
            else "errors { code }"
        )
        answer = run(schema, f"mutation {{ {field} {{ {selection} }} }}", user, "sec-a")
        codes = [
            e.get("code")
            for e in (next(iter((answer.data or {}).values()), None) or {}).get("errors", [])
        ]
        assert "RATE_LIMITED" not in codes
        if not refused(answer):
            accepted.append(field)
    assert not accepted, f"{role} of A was allowed on B: {accepted}"
    assert b_snapshot(world) == before


# --- a moderator of A only, by Bearer token or session, has no role in B -----------------------


@pytest.mark.parametrize("auth", ["bearer", "session"])
def test_a_moderator_token_or_session_never_acts_in_b(world, auth):
    from tests.conftest import GraphQLClient

    moderator = world["users"]["moderator_a"]
    client = GraphQLClient()
    if auth == "bearer":
        client.headers["Authorization"] = f"Bearer {world['A']['token_secret']}"
    else:
        client.login(moderator)
    b_ids, a_ids = world["B"]["ids"], world["A"]["ids"]
    participant = world["users"]["participant"].email
    attempts = [
        f'hideContent(id: "{b_ids["P"]}", reason: "x") {{ errors {{ code }} }}',
        f'unhideContent(id: "{b_ids["H"]}") {{ errors {{ code }} }}',
        f'respondToProposal(id: "{b_ids["P"]}", status: ACCEPTED, text: "x") '
        f"{{ errors {{ code }} }}",
        f'grantRole(agency: "sec-b", email: "{participant}", role: MODERATOR) '
        f"{{ ok errors {{ code }} }}",
    ]
    before = b_snapshot(world)
    for attempt in attempts:
        cache.clear()
        result = client.execute(f"mutation {{ {attempt} }}", headers={"X-Agency": "sec-b"})
        assert result.status == 200, result.body
        payload = next(iter((result.data or {}).values()), None) or {}
        assert result.errors or payload.get("errors"), (attempt, result.body)
        assert not payload.get("ok")
    assert b_snapshot(world) == before
    # Control: the same credentials do moderate in A (so the refusals above are about B).
    with transaction.atomic():
        cache.clear()
        result = client.execute(
            f'mutation {{ hideContent(id: "{a_ids["P"]}", reason: "x") {{ errors {{ code }} }} }}'
        )
        assert result.data["hideContent"]["errors"] == [], result.body
        transaction.set_rollback(True)
