"""The rules matrix through the GraphQL endpoint: every kind of actor x every mutation and every
private field, each allowed, or refused with its code and not one row changed.

The state is built once for the module inside a transaction that is rolled back at its end (the
`setUpTestData` pattern of Django's TestCase); each case runs in its own savepoint of it, rolled
back by pytest-django, so a case sees exactly the state below, whatever the cases before it did.

State (agency A's consultation C is in its PROPOSALS phase, so dates open every citizen action):
  P   a proposal by `author`              K   a comment by `author` on P
  S   a proposal every signed-in actor supports already
  H   a hidden proposal by `author`       HK  a hidden comment by `author` on P
  PB  a proposal in agency B's consultation
  `target` is a user holding the RESPONDER role in A (roles are granted to / revoked from them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.utils import timezone
from guardian.models import UserObjectPermission
from guardian.shortcuts import assign_perm
from strawberry.relay import to_base64

from cms.phases import PhaseKind
from participation.models import Comment, OfficialResponse, Proposal, Report, Support
from permissions.memberships import grant_role
from permissions.models import Membership
from permissions.roles import Role
from tests.conftest import GraphQLClient
from tests.factories import UserFactory, make_agency, make_consultation
from tests.module_data import rolled_back
from tests.participation.conftest import make_comment, make_proposal, phases_with_current

pytestmark = pytest.mark.django_db

OK = "OK"
NS, NA, RR, NF, HID = "NOT_SIGNED_IN", "NOT_AUTHOR", "ROLE_REQUIRED", "NOT_FOUND", "HIDDEN"
HIDDEN_REASON = "สแปมโฆษณา"
P_TITLE, H_TITLE, S_TITLE = "ทางจักรยานริมคลอง", "ข้อเสนอที่ถูกซ่อน", "ข้อเสนอที่มีผู้สนับสนุน"
K_BODY, HK_BODY = "ความเห็นของผู้เสนอ", "ข้อความที่ถูกซ่อน"

ACTORS = [
    "anonymous",
    "participant",
    "author",
    "moderator_a",
    "moderator_b",
    "scoped_moderator",
    "responder_a",
    "editor_a",
    "admin_a",
    "superuser",
]


# --- the state ---------------------------------------------------------------------------------


@dataclass
class World:
    agency_a: Any
    agency_b: Any
    consultation: Any
    users: dict[str, Any] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)


def build_world() -> World:
    agency_a = make_agency("matrix-a", name_en="Matrix A")
    agency_b = make_agency("matrix-b", name_en="Matrix B")
    proposals_now = phases_with_current(PhaseKind.PROPOSALS)
    consultation = make_consultation(agency_a, slug="matrix-c", phases=proposals_now)
    consultation_b = make_consultation(agency_b, slug="matrix-cb", phases=proposals_now)
    world = World(agency_a, agency_b, consultation)

    def user(name: str, **kwargs: Any):
        world.users[name] = UserFactory(
            username=f"matrix-{name}", display_name=f"ผู้ใช้ {name}", **kwargs
        )
        return world.users[name]

    for name in ("participant", "author", "scoped_moderator", "editor_a", "target"):
        user(name)
    for name, agency, role in (
        ("moderator_a", agency_a, Role.MODERATOR),
        ("moderator_b", agency_b, Role.MODERATOR),
        ("responder_a", agency_a, Role.RESPONDER),
        ("editor_a", agency_a, Role.EDITOR),
        ("admin_a", agency_a, Role.ADMIN),
        ("target", agency_a, Role.RESPONDER),
    ):
        grant_role(agency, world.users.get(name) or user(name), role)
    user("superuser", is_superuser=True, is_staff=True)
    assign_perm("moderate", world.users["scoped_moderator"], consultation)

    author = world.users["author"]
    now = timezone.now()
    hidden = {"is_hidden": True, "hidden_reason": HIDDEN_REASON, "hidden_at": now}
    p = make_proposal(consultation, author, title=P_TITLE)
    k = make_comment(consultation, author, proposal=p, body=K_BODY)
    hk = make_comment(consultation, author, proposal=p, body=HK_BODY, **hidden)
    h = make_proposal(consultation, author, title=H_TITLE, **hidden)
    s = make_proposal(consultation, author, title=S_TITLE)
    supporters = [u for name, u in world.users.items() if name != "target"]
    for supporter in supporters:
        Support.objects.create(agency_id=agency_a.pk, proposal=s, user=supporter)
    Proposal.objects.filter(pk=s.pk).update(support_count=len(supporters))
    pb = make_proposal(consultation_b, world.users["participant"], title="ข้อเสนอในกรมอื่น")
    world.ids = {
        "C": to_base64("Consultation", consultation.pk),
        "P": to_base64("Proposal", p.pk),
        "S": to_base64("Proposal", s.pk),
        "H": to_base64("Proposal", h.pk),
        "PB": to_base64("Proposal", pb.pk),
        "K": to_base64("Comment", k.pk),
        "HK": to_base64("Comment", hk.pk),
    }
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        yield build_world()


def client_for(world: World, actor: str) -> GraphQLClient:
    client = GraphQLClient()
    if actor != "anonymous":
        client.login(world.users[actor])
    return client


SNAPSHOT_MODELS = (
    Proposal,
    Comment,
    Support,
    OfficialResponse,
    Report,
    Membership,
    UserObjectPermission,
)


def snapshot() -> dict[str, list[tuple]]:
    """Every column of every row a mutation could write, as sorted value tuples."""
    return {
        model.__name__: list(
            model.objects.order_by("pk").values_list(
                *(f.attname for f in model._meta.concrete_fields)
            )
        )
        for model in SNAPSHOT_MODELS
    }


# --- mutations ---------------------------------------------------------------------------------

# Each operation: a document whose payload is aliased `r`, and its variables from the world.
# Every document selects `errors { code }`; the outcome is OK or the first error's code.
OPERATIONS: dict[str, tuple[str, dict[str, str]]] = {
    "submitProposal": (
        """mutation ($c: ID!) { r: submitProposal(consultationId: $c,
             title: "สวนสาธารณะใหม่", body: "ขอสวนสาธารณะในชุมชนของเรา") { errors { code } } }""",
        {"c": "C"},
    ),
    "editProposal": (
        'mutation ($id: ID!) { r: editProposal(id: $id, title: "ชื่อใหม่ค่ะ") { errors { code } } }',
        {"id": "P"},
    ),
    "editProposal(hidden)": (
        'mutation ($id: ID!) { r: editProposal(id: $id, title: "ชื่อใหม่ค่ะ") { errors { code } } }',
        {"id": "H"},
    ),
    "withdrawProposal": (
        "mutation ($id: ID!) { r: withdrawProposal(id: $id) { errors { code } } }",
        {"id": "P"},
    ),
    "supportProposal": (
        "mutation ($id: ID!) { r: supportProposal(id: $id) { errors { code } } }",
        {"id": "P"},
    ),
    "supportProposal(hidden)": (
        "mutation ($id: ID!) { r: supportProposal(id: $id) { errors { code } } }",
        {"id": "H"},
    ),
    "withdrawSupport": (
        "mutation ($id: ID!) { r: withdrawSupport(id: $id) { errors { code } } }",
        {"id": "S"},
    ),
    "addComment(consultation)": (
        'mutation ($c: ID!) { r: addComment(consultationId: $c, body: "ดีมาก") '
        "{ errors { code } } }",
        {"c": "C"},
    ),
    "addComment(proposal)": (
        'mutation ($p: ID!) { r: addComment(proposalId: $p, body: "+1") { errors { code } } }',
        {"p": "P"},
    ),
    "addComment(reply)": (
        'mutation ($k: ID!) { r: addComment(parentId: $k, body: "ตอบกลับ") { errors { code } } }',
        {"k": "K"},
    ),
    "editComment": (
        'mutation ($id: ID!) { r: editComment(id: $id, body: "แก้ไขแล้ว") { errors { code } } }',
        {"id": "K"},
    ),
    "deleteComment": (
        "mutation ($id: ID!) { r: deleteComment(id: $id) { errors { code } } }",
        {"id": "K"},
    ),
    "reportContent(proposal)": (
        'mutation ($id: ID!) { r: reportContent(id: $id, reason: "spam") { errors { code } } }',
        {"id": "P"},
    ),
    "reportContent(comment)": (
        'mutation ($id: ID!) { r: reportContent(id: $id, reason: "spam") { errors { code } } }',
        {"id": "K"},
    ),
    "hideContent(proposal)": (
        'mutation ($id: ID!) { r: hideContent(id: $id, reason: "spam") { errors { code } } }',
        {"id": "P"},
    ),
    "hideContent(comment)": (
        'mutation ($id: ID!) { r: hideContent(id: $id, reason: "rude") { errors { code } } }',
        {"id": "K"},
    ),
    "hideContent(agency B)": (
        'mutation ($id: ID!) { r: hideContent(id: $id, reason: "spam") { errors { code } } }',
        {"id": "PB"},
    ),
    "unhideContent(proposal)": (
        "mutation ($id: ID!) { r: unhideContent(id: $id) { errors { code } } }",
        {"id": "H"},
    ),
    "unhideContent(comment)": (
        "mutation ($id: ID!) { r: unhideContent(id: $id) { errors { code } } }",
        {"id": "HK"},
    ),
    "respondToProposal": (
        """mutation ($id: ID!) { r: respondToProposal(id: $id, status: ACCEPTED,
             text: "เราจะดำเนินการ") { errors { code } } }""",
        {"id": "P"},
    ),
    "grantRole": (
        """mutation { r: grantRole(agency: "matrix-a", email: "matrix-target@example.org",
             role: MODERATOR) { errors { code } } }""",
        {},
    ),
    "grantRole(consultation)": (
        """mutation ($c: ID!) { r: grantRole(agency: "matrix-a",
             email: "matrix-target@example.org", role: MODERATOR, consultationId: $c)
             { errors { code } } }""",
        {"c": "C"},
    ),
    "grantRole(agency B)": (
        """mutation { r: grantRole(agency: "matrix-b", email: "matrix-target@example.org",
             role: MODERATOR) { errors { code } } }""",
        {},
    ),
    "revokeRole": (
        """mutation { r: revokeRole(agency: "matrix-a", email: "matrix-target@example.org",
             role: RESPONDER) { errors { code } } }""",
        {},
    ),
}

# What a signed-in citizen with no role here gets; the other actors differ only where they say.
CITIZEN = {
    "submitProposal": OK,
    "editProposal": NA,
    "editProposal(hidden)": NF,  # hidden content is not even there for them
    "withdrawProposal": NA,
    "supportProposal": OK,
    "supportProposal(hidden)": NF,
    "withdrawSupport": OK,
    "addComment(consultation)": OK,
    "addComment(proposal)": OK,
    "addComment(reply)": OK,
    "editComment": NA,
    "deleteComment": NA,
    "reportContent(proposal)": OK,
    "reportContent(comment)": OK,
    "hideContent(proposal)": RR,
    "hideContent(comment)": RR,
    "hideContent(agency B)": RR,
    "unhideContent(proposal)": NF,
    "unhideContent(comment)": NF,
    "respondToProposal": RR,
    "grantRole": RR,
    "grantRole(consultation)": RR,
    "grantRole(agency B)": RR,
    "revokeRole": RR,
}
AUTHOR = {
    "editProposal": OK,
    "editProposal(hidden)": HID,
    "withdrawProposal": OK,
    "supportProposal(hidden)": HID,
    "editComment": OK,
    "deleteComment": OK,
    # their own hidden rows are visible to them, but unhiding needs the role
    "unhideContent(proposal)": RR,
    "unhideContent(comment)": RR,
}
MODERATOR = {
    "editProposal(hidden)": NA,
    "supportProposal(hidden)": HID,
    "deleteComment": OK,
    "hideContent(proposal)": OK,
    "hideContent(comment)": OK,
    "unhideContent(proposal)": OK,
    "unhideContent(comment)": OK,
}
RESPONDER = {"respondToProposal": OK}
ADMIN = {"grantRole": OK, "grantRole(consultation)": OK, "revokeRole": OK}
ANONYMOUS = {
    **dict.fromkeys(OPERATIONS, NS),
    # an id the viewer may not see is NOT_FOUND before anything else is asked
    "editProposal(hidden)": NF,
    "supportProposal(hidden)": NF,
    "unhideContent(proposal)": NF,
    "unhideContent(comment)": NF,
}

EXPECTED: dict[str, dict[str, str]] = {
    "anonymous": ANONYMOUS,
    "participant": CITIZEN,
    "author": {**CITIZEN, **AUTHOR},
    "moderator_a": {**CITIZEN, **MODERATOR},
    "moderator_b": {**CITIZEN, "hideContent(agency B)": OK},
    "scoped_moderator": {**CITIZEN, **MODERATOR},
    "responder_a": {**CITIZEN, **RESPONDER},
    "editor_a": CITIZEN,
    "admin_a": {**CITIZEN, **ADMIN},
    "superuser": {
        **CITIZEN,
        **MODERATOR,
        **RESPONDER,
        **ADMIN,
        "hideContent(agency B)": OK,
        "grantRole(agency B)": OK,
    },
}
MUTATION_CASES = [
    pytest.param(actor, operation, EXPECTED[actor][operation], id=f"{actor}-{operation}")
    for actor in ACTORS
    for operation in OPERATIONS
]


def test_the_table_is_complete():
    assert set(EXPECTED) == set(ACTORS)
    for actor, outcomes in EXPECTED.items():
        assert set(outcomes) == set(OPERATIONS), actor


@pytest.mark.parametrize(("actor", "operation", "expected"), MUTATION_CASES)
def test_mutation(world, actor, operation, expected):
    document, variables = OPERATIONS[operation]
    client = client_for(world, actor)
    before = snapshot()
    result = client.execute(document, {k: world.ids[v] for k, v in variables.items()})
    assert result.status == 200, result.body
    assert not result.errors, result.errors
    errors = result.data["r"]["errors"]
    outcome = errors[0]["code"] if errors else OK
    assert outcome == expected, errors
    if expected == OK:
        assert snapshot() != before, "allowed, but nothing was written"
    else:
        assert len(errors) == 1
        assert snapshot() == before, "refused, but rows changed"


# --- private fields ----------------------------------------------------------------------------

# What each actor may see of hidden content and moderation records in consultation C.
PUBLIC, OWN, MODERATES = "public", "own hidden rows", "moderates"
SIGHT = {
    "anonymous": PUBLIC,
    "participant": PUBLIC,
    "author": OWN,
    "moderator_a": MODERATES,
    "moderator_b": PUBLIC,  # a moderator of another agency is the public here
    "scoped_moderator": MODERATES,
    "responder_a": PUBLIC,
    "editor_a": PUBLIC,
    "admin_a": PUBLIC,
    "superuser": MODERATES,
}

MODERATION = "moderation { isHidden reason }"
SHOWN = {"isHidden": False, "reason": None}
HIDDEN = {"isHidden": True, "reason": HIDDEN_REASON}


def connection(*texts: str) -> dict[str, Any]:
    """The expected connection: its totalCount and its nodes' text (title or body), in order."""
    key = "title" if texts and texts[0] in (P_TITLE, H_TITLE, S_TITLE) else "body"
    hidden = {H_TITLE, HK_BODY}
    return {
        "totalCount": len(texts),
        "edges": [{"node": {key: text, "isHidden": text in hidden}} for text in texts],
    }


# name -> (document, the world ids it takes as variables, {sight: the expected `data`})
PRIVATE_FIELDS: dict[str, tuple[str, dict[str, str], dict[str, Any]]] = {
    "Proposal.moderation": (
        f"query ($id: ID!) {{ node(id: $id) {{ ... on Proposal {{ {MODERATION} }} }} }}",
        {"id": "P"},
        {
            PUBLIC: {"node": {"moderation": None}},
            OWN: {"node": {"moderation": None}},
            MODERATES: {"node": {"moderation": SHOWN}},
        },
    ),
    "Comment.moderation": (
        f"query ($id: ID!) {{ node(id: $id) {{ ... on Comment {{ {MODERATION} }} }} }}",
        {"id": "K"},
        {
            PUBLIC: {"node": {"moderation": None}},
            OWN: {"node": {"moderation": None}},
            MODERATES: {"node": {"moderation": SHOWN}},
        },
    ),
    "node(hidden proposal)": (
        f"""query ($id: ID!) {{ node(id: $id) {{ ... on Proposal {{ title isHidden {MODERATION}
            }} }} }}""",
        {"id": "H"},
        {
            PUBLIC: {"node": None},
            OWN: {"node": {"title": H_TITLE, "isHidden": True, "moderation": None}},
            MODERATES: {"node": {"title": H_TITLE, "isHidden": True, "moderation": HIDDEN}},
        },
    ),
    "node(hidden comment)": (
        f"""query ($id: ID!) {{ node(id: $id) {{ ... on Comment {{ body isHidden {MODERATION}
            }} }} }}""",
        {"id": "HK"},
        {
            PUBLIC: {"node": None},
            OWN: {"node": {"body": HK_BODY, "isHidden": True, "moderation": None}},
            MODERATES: {"node": {"body": HK_BODY, "isHidden": True, "moderation": HIDDEN}},
        },
    ),
    "Consultation.proposals": (
        """{ consultation(agency: "matrix-a", slug: "matrix-c") {
             proposals(orderBy: OLDEST) { totalCount edges { node { title isHidden } } } } }""",
        {},
        {
            PUBLIC: {"consultation": {"proposals": connection(P_TITLE, S_TITLE)}},
            OWN: {"consultation": {"proposals": connection(P_TITLE, H_TITLE, S_TITLE)}},
            MODERATES: {"consultation": {"proposals": connection(P_TITLE, H_TITLE, S_TITLE)}},
        },
    ),
    "Proposal.comments": (
        """query ($id: ID!) { node(id: $id) { ... on Proposal { commentCount
             comments { totalCount edges { node { body isHidden } } } } } }""",
        {"id": "P"},
        {
            # commentCount is the public count: hidden comments never count, for anyone
            PUBLIC: {"node": {"commentCount": 1, "comments": connection(K_BODY)}},
            OWN: {"node": {"commentCount": 1, "comments": connection(K_BODY, HK_BODY)}},
            MODERATES: {"node": {"commentCount": 1, "comments": connection(K_BODY, HK_BODY)}},
        },
    ),
}
FIELD_CASES = [
    pytest.param(
        actor, name, PRIVATE_FIELDS[name][2][SIGHT[actor]], id=f"{actor}-{name}-{SIGHT[actor]}"
    )
    for actor in ACTORS
    for name in PRIVATE_FIELDS
]


@pytest.mark.parametrize(("actor", "name", "expected"), FIELD_CASES)
def test_private_field(world, actor, name, expected):
    document, variables, _ = PRIVATE_FIELDS[name]
    client = client_for(world, actor)
    assert client.ok(document, {k: world.ids[v] for k, v in variables.items()}) == expected


@pytest.mark.parametrize("actor", ACTORS)
def test_viewer_can_moderate_agrees_with_the_matrix(world, actor):
    """`viewerCan.moderate` says the same as hideContent's outcome, on both agencies."""
    got = client_for(world, actor).ok(
        """query ($p: ID!, $pb: ID!) {
             p: node(id: $p) { ... on Proposal { viewerCan { moderate { allowed reason } } } }
             pb: node(id: $pb) { ... on Proposal { viewerCan { moderate { allowed reason } } } }
           }""",
        {"p": world.ids["P"], "pb": world.ids["PB"]},
    )
    for key, operation in (("p", "hideContent(proposal)"), ("pb", "hideContent(agency B)")):
        expected = EXPECTED[actor][operation]
        ability = got[key]["viewerCan"]["moderate"]
        assert ability == {
            "allowed": expected == OK,
            "reason": None if expected == OK else expected,
        }, (key, ability)
