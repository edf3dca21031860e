"""Each citizen action inside and outside the phases that open it (DESIGN.md), through GraphQL,
and `viewerCan` answering exactly what the mutation then does.

  phase kind    citizens may
  INFORMATION   read, comment on the consultation itself
  PROPOSALS     submit proposals, comment, support
  SUPPORT       comment, support
  REVIEW        read (agencies answer)
  RESULTS       read
  Official responses are possible in any phase; an author may withdraw in any phase.

One consultation per phase (plus one before its first phase and one after its last) is built once
for the module, inside a transaction rolled back at its end; each case runs in a savepoint.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from strawberry.relay import to_base64

from cms.phases import PhaseKind
from participation.models import Comment, OfficialResponse, Proposal, Report, Support
from permissions.memberships import grant_role
from permissions.roles import Role
from tests.conftest import GraphQLClient
from tests.factories import UserFactory, make_agency, make_consultation
from tests.module_data import rolled_back
from tests.participation.conftest import make_comment, make_proposal, phases_with_current

pytestmark = pytest.mark.django_db

OK, CLOSED = "OK", "PHASE_CLOSED"
INFORMATION, PROPOSALS, SUPPORT, REVIEW, RESULTS = (
    PhaseKind.INFORMATION,
    PhaseKind.PROPOSALS,
    PhaseKind.SUPPORT,
    PhaseKind.REVIEW,
    PhaseKind.RESULTS,
)
BEFORE, AFTER = "before the first phase", "after the last phase"
PHASES = [BEFORE, INFORMATION, PROPOSALS, SUPPORT, REVIEW, RESULTS, AFTER]

# Which phases open each action (the DESIGN.md table); everywhere else it is PHASE_CLOSED.
OPEN_IN: dict[str, set[str]] = {
    "submitProposal": {PROPOSALS},
    "editProposal": {PROPOSALS},
    "supportProposal": {PROPOSALS, SUPPORT},
    "withdrawSupport": {PROPOSALS, SUPPORT},
    "addComment(proposal)": {PROPOSALS, SUPPORT},
    "addComment(reply)": {PROPOSALS, SUPPORT},
    "editComment": {PROPOSALS, SUPPORT},
    "addComment(consultation)": {INFORMATION, PROPOSALS, SUPPORT},
    "withdrawProposal": set(PHASES),
    "respondToProposal": set(PHASES),
}

# action -> (who acts, the mutation (payload aliased `r`), its variables as world names,
#            the viewerCan query (ability aliased `a` under `node`), its node's world name)
ACTIONS: dict[str, tuple[str, str, dict[str, str], str, str]] = {
    "submitProposal": (
        "citizen",
        """mutation ($c: ID!) { r: submitProposal(consultationId: $c, title: "ลานกีฬาชุมชน",
             body: "ขอลานกีฬาสำหรับเด็กในชุมชน") { errors { code } } }""",
        {"c": "C"},
        "... on Consultation { viewerCan { a: submitProposal { allowed reason } } }",
        "C",
    ),
    "editProposal": (
        "author",
        """mutation ($id: ID!) { r: editProposal(id: $id, body: "รายละเอียดที่แก้ไขแล้วค่ะ")
             { errors { code } } }""",
        {"id": "P"},
        "... on Proposal { viewerCan { a: edit { allowed reason } } }",
        "P",
    ),
    "supportProposal": (
        "citizen",
        "mutation ($id: ID!) { r: supportProposal(id: $id) { errors { code } } }",
        {"id": "P"},
        "... on Proposal { viewerCan { a: support { allowed reason } } }",
        "P",
    ),
    "withdrawSupport": (
        "supporter",
        "mutation ($id: ID!) { r: withdrawSupport(id: $id) { errors { code } } }",
        {"id": "P"},
        "... on Proposal { viewerCan { a: withdrawSupport { allowed reason } } }",
        "P",
    ),
    "addComment(proposal)": (
        "citizen",
        'mutation ($p: ID!) { r: addComment(proposalId: $p, body: "เห็นด้วย") { errors { code } } }',
        {"p": "P"},
        "... on Proposal { viewerCan { a: comment { allowed reason } } }",
        "P",
    ),
    "addComment(reply)": (
        "citizen",
        'mutation ($k: ID!) { r: addComment(parentId: $k, body: "ตอบกลับ") { errors { code } } }',
        {"k": "K"},
        "... on Comment { viewerCan { a: reply { allowed reason } } }",
        "K",
    ),
    "editComment": (
        "author",
        'mutation ($id: ID!) { r: editComment(id: $id, body: "แก้แล้ว") { errors { code } } }',
        {"id": "K"},
        "... on Comment { viewerCan { a: edit { allowed reason } } }",
        "K",
    ),
    "addComment(consultation)": (
        "citizen",
        """mutation ($c: ID!) { r: addComment(consultationId: $c, body: "ข้อมูลครบถ้วนดี")
             { errors { code } } }""",
        {"c": "C"},
        "... on Consultation { viewerCan { a: comment { allowed reason } } }",
        "C",
    ),
    "withdrawProposal": (
        "author",
        "mutation ($id: ID!) { r: withdrawProposal(id: $id) { errors { code } } }",
        {"id": "P"},
        "... on Proposal { viewerCan { a: withdraw { allowed reason } } }",
        "P",
    ),
    "respondToProposal": (
        "responder",
        """mutation ($id: ID!) { r: respondToProposal(id: $id, status: UNDER_REVIEW,
             text: "กำลังพิจารณา") { errors { code } } }""",
        {"id": "P"},
        "... on Proposal { viewerCan { a: respond { allowed reason } } }",
        "P",
    ),
}


def phases_for(phase: str) -> list[dict]:
    if phase == AFTER:
        return phases_with_current(None)
    if phase == BEFORE:
        later = timedelta(days=10 * len(PHASES) + 10)  # the INFORMATION layout, moved ahead
        return [
            {**p, "starts_at": p["starts_at"] + later, "ends_at": p["ends_at"] + later}
            for p in phases_with_current(INFORMATION)
        ]
    return phases_with_current(phase)


def build_world() -> dict[str, Any]:
    agency = make_agency("phases-a", name_en="Phases A")
    users = {name: UserFactory(username=f"phases-{name}") for name in ("citizen", "author")}
    users["supporter"] = UserFactory(username="phases-supporter")
    users["responder"] = UserFactory(username="phases-responder")
    grant_role(agency, users["responder"], Role.RESPONDER)
    ids: dict[str, dict[str, str]] = {}
    for phase in PHASES:
        consultation = make_consultation(agency, phases=phases_for(phase))
        proposal = make_proposal(consultation, users["author"])
        Support.objects.create(agency=agency, proposal=proposal, user=users["supporter"])
        Proposal.objects.filter(pk=proposal.pk).update(support_count=1)
        comment = make_comment(consultation, users["author"], proposal=proposal)
        ids[phase] = {
            "C": to_base64("Consultation", consultation.pk),
            "P": to_base64("Proposal", proposal.pk),
            "K": to_base64("Comment", comment.pk),
        }
    return {"users": users, "ids": ids}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        yield build_world()


def snapshot() -> list[list[tuple]]:
    return [
        list(model.objects.order_by("pk").values_list())
        for model in (Proposal, Comment, Support, OfficialResponse, Report)
    ]


CASES = [
    pytest.param(action, phase, OK if phase in OPEN_IN[action] else CLOSED, id=f"{action}-{phase}")
    for action in ACTIONS
    for phase in PHASES
]


@pytest.mark.parametrize(("action", "phase", "expected"), CASES)
def test_action_in_phase(world, action, phase, expected):
    actor, mutation, variables, ability_query, node = ACTIONS[action]
    ids = world["ids"][phase]
    client = GraphQLClient().login(world["users"][actor])

    asked = client.ok(
        f"query ($id: ID!) {{ node(id: $id) {{ {ability_query} }} }}", {"id": ids[node]}
    )
    ability = asked["node"]["viewerCan"]["a"]

    before = snapshot()
    done = client.ok(mutation, {k: ids[v] for k, v in variables.items()})["r"]
    outcome = done["errors"][0]["code"] if done["errors"] else OK

    assert outcome == expected, done
    assert ability == {
        "allowed": outcome == OK,
        "reason": None if outcome == OK else outcome,
    }, "viewerCan disagrees with the mutation"
    if outcome == OK:
        assert snapshot() != before
    else:
        assert snapshot() == before


def test_current_phase_and_status_as_built(world):
    """The consultations really are where the table says (else every case above is moot)."""
    client = GraphQLClient()
    for phase in PHASES:
        got = client.ok(
            "query ($id: ID!) { node(id: $id) { ... on Consultation { status "
            "currentPhase { kind } } } }",
            {"id": world["ids"][phase]["C"]},
        )["node"]
        kind = None if phase in (BEFORE, AFTER) else phase.upper()
        status = {BEFORE: "UPCOMING", AFTER: "CLOSED"}.get(phase, "OPEN")
        assert got == {"status": status, "currentPhase": kind and {"kind": kind}}, phase


def test_anonymous_viewer_can_says_not_signed_in_in_every_phase(world):
    client = GraphQLClient()
    for phase in PHASES:
        ids = world["ids"][phase]
        got = client.ok(
            """query ($c: ID!, $p: ID!) {
                 c: node(id: $c) { ... on Consultation { viewerCan {
                   submitProposal { allowed reason } comment { allowed reason } } } }
                 p: node(id: $p) { ... on Proposal { viewerCan {
                   support { allowed reason } comment { allowed reason } } } }
               }""",
            {"c": ids["C"], "p": ids["P"]},
        )
        abilities = [*got["c"]["viewerCan"].values(), *got["p"]["viewerCan"].values()]
        assert abilities == [{"allowed": False, "reason": "NOT_SIGNED_IN"}] * 4, phase
