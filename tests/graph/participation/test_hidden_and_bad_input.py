"""Hidden content through GraphQL, and bad input that must be a typed error, never a 500.

Hidden proposals and comments vanish for the public from every list, count, nested field and
`node(id:)`; moderators of their agency (not of another) see them marked, with the moderation
record; authors see their own, marked, without it.

The state is built once for the module inside a transaction rolled back at its end; each test
runs in a savepoint of it. Every text the public must never read contains the marker `[h]`.

  agency A, consultation C (PROPOSALS phase)
    P   proposal by `author`, supported twice
        K1  comment by `commenter`          R1  reply to K1     RR1 reply to R1 (depth limit)
        HK  hidden comment by `commenter`                       HR  hidden reply to K1
    H   hidden proposal by `author`, supported once
        HC  comment by `commenter` on H (visible itself, hidden with its proposal)
    CK  comment on C itself                 HCK hidden comment on C
        VR  visible reply to HCK (its `parent` must not leak HCK)
  agency B, consultation CB
    HB  hidden proposal by `author`
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone
from guardian.shortcuts import assign_perm
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

MARK = "[h]"
REASON = f"{MARK} ถ้อยคำหยาบคาย"
TEXTS = {
    "P": "ข้อเสนอที่ทุกคนเห็น",
    "H": f"{MARK} ข้อเสนอที่ถูกซ่อน",
    "HB": f"{MARK} ข้อเสนอที่ถูกซ่อนของกรมอื่น",
    "K1": "ความเห็นแรก",
    "HK": f"{MARK} ความเห็นที่ถูกซ่อน",
    "R1": "คำตอบ",
    "HR": f"{MARK} คำตอบที่ถูกซ่อน",
    "RR1": "คำตอบชั้นลึกสุด",
    "HC": f"{MARK} ความเห็นบนข้อเสนอที่ถูกซ่อน",
    "CK": "ความเห็นต่อการรับฟัง",
    "HCK": f"{MARK} ความเห็นต่อการรับฟังที่ถูกซ่อน",
    "VR": "คำตอบใต้ความเห็นที่ถูกซ่อน",
}
VIEWERS = [
    "anonymous",
    "participant",
    "author",
    "commenter",
    "moderator_a",
    "moderator_b",
    "scoped_moderator",
]
PUBLIC_VIEWERS = ["anonymous", "participant", "moderator_b"]


def build_world() -> dict[str, Any]:
    agency_a = make_agency("hidden-a", name_en="Hidden A")
    agency_b = make_agency("hidden-b", name_en="Hidden B")
    phases = phases_with_current(PhaseKind.PROPOSALS)
    c = make_consultation(agency_a, slug="hidden-c", phases=phases)
    cb = make_consultation(agency_b, slug="hidden-cb", phases=phases)
    users = {
        name: UserFactory(username=f"hidden-{name}", display_name=f"ผู้ใช้ {name}")
        for name in ("participant", "author", "commenter", "scoped_moderator", "responder")
    }
    users["moderator_a"] = UserFactory(username="hidden-moderator-a")
    users["moderator_b"] = UserFactory(username="hidden-moderator-b")
    grant_role(agency_a, users["moderator_a"], Role.MODERATOR)
    grant_role(agency_b, users["moderator_b"], Role.MODERATOR)
    grant_role(agency_a, users["responder"], Role.RESPONDER)
    assign_perm("moderate", users["scoped_moderator"], c)

    hidden = {"is_hidden": True, "hidden_reason": REASON, "hidden_at": timezone.now()}
    author, commenter = users["author"], users["commenter"]
    rows: dict[str, Any] = {}
    rows["P"] = make_proposal(c, author, title=TEXTS["P"])
    rows["H"] = make_proposal(c, author, title=TEXTS["H"], **hidden)
    rows["HB"] = make_proposal(cb, author, title=TEXTS["HB"], **hidden)
    for proposal, supporters in (
        (rows["P"], ("participant", "commenter")),
        (rows["H"], ("participant",)),
    ):
        for name in supporters:
            Support.objects.create(agency=agency_a, proposal=proposal, user=users[name])
        Proposal.objects.filter(pk=proposal.pk).update(support_count=len(supporters))
    rows["K1"] = make_comment(c, commenter, proposal=rows["P"], body=TEXTS["K1"])
    rows["HK"] = make_comment(c, commenter, proposal=rows["P"], body=TEXTS["HK"], **hidden)
    rows["R1"] = make_comment(c, commenter, proposal=rows["P"], parent=rows["K1"], body=TEXTS["R1"])
    rows["HR"] = make_comment(
        c, commenter, proposal=rows["P"], parent=rows["K1"], body=TEXTS["HR"], **hidden
    )
    rows["RR1"] = make_comment(
        c, commenter, proposal=rows["P"], parent=rows["R1"], body=TEXTS["RR1"]
    )
    rows["HC"] = make_comment(c, commenter, proposal=rows["H"], body=TEXTS["HC"])
    rows["CK"] = make_comment(c, commenter, body=TEXTS["CK"])
    rows["HCK"] = make_comment(c, commenter, body=TEXTS["HCK"], **hidden)
    rows["VR"] = make_comment(c, commenter, parent=rows["HCK"], body=TEXTS["VR"])
    ids = {name: to_base64(type(row).__name__, row.pk) for name, row in rows.items()}
    ids["C"] = to_base64("Consultation", c.pk)
    ids["CB"] = to_base64("Consultation", cb.pk)
    return {"users": users, "ids": ids}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        yield build_world()


def client_for(world: dict, viewer: str) -> GraphQLClient:
    client = GraphQLClient()
    if viewer != "anonymous":
        client.login(world["users"][viewer])
    return client


# --- hidden content in lists and counts --------------------------------------------------------

EVERYTHING = """query ($h: ID!) {
  consultation(agency: "hidden-a", slug: "hidden-c") {
    proposals(orderBy: OLDEST, first: 50) { totalCount edges { node {
      title isHidden supportCount commentCount
      comments(first: 5) { totalCount edges { node {
        body isHidden
        replies(first: 5) { totalCount edges { node { body isHidden } } }
      } } }
    } } }
    comments(first: 5) { totalCount edges { node {
      body isHidden
      replies(first: 5) { totalCount edges { node { body isHidden } } }
    } } }
  }
  hidden: node(id: $h) { ... on Proposal { title comments { totalCount edges { node { body } } } } }
}"""


def tree(connection: dict) -> list:
    """A connection as [(text, isHidden, *counts, *child lists)], checking totalCount."""
    edges = connection["edges"]
    assert connection["totalCount"] == len(edges)
    out = []
    for edge in edges:
        node = edge["node"]
        text = node.get("title") or node.get("body")
        counts = [node[k] for k in ("supportCount", "commentCount") if k in node]
        children = [tree(node[k]) for k in ("comments", "replies") if k in node]
        out.append((text, node["isHidden"], *counts, *children))
    return out


def T(name: str) -> str:
    return TEXTS[name]


PUBLIC_THREAD = [(T("K1"), False, [(T("R1"), False)])]
FULL_THREAD = [(T("K1"), False, [(T("R1"), False), (T("HR"), True)]), (T("HK"), True, [])]
# supportCount and commentCount are the public counts, the same for everyone: 2 supports, and
# K1, R1 and RR1 (HK and HR are hidden, so never counted)
P_PUBLIC = (T("P"), False, 2, 3, PUBLIC_THREAD)
P_FULL = (T("P"), False, 2, 3, FULL_THREAD)
H_ROW = (T("H"), True, 1, 1, [(T("HC"), False, [])])
CK_PUBLIC = [(T("CK"), False, [])]
CK_FULL = [(T("CK"), False, []), (T("HCK"), True, [(T("VR"), False)])]

# viewer -> (Consultation.proposals, Consultation.comments, node(H)'s comments)
SEES: dict[str, tuple[list, list, Any]] = {
    "anonymous": ([P_PUBLIC], CK_PUBLIC, None),
    "participant": ([P_PUBLIC], CK_PUBLIC, None),
    "moderator_b": ([P_PUBLIC], CK_PUBLIC, None),
    # authors see their own hidden rows (and what hangs below them), nobody else's
    "author": ([P_PUBLIC, H_ROW], CK_PUBLIC, [T("HC")]),
    "commenter": ([P_FULL], CK_FULL, None),
    "moderator_a": ([P_FULL, H_ROW], CK_FULL, [T("HC")]),
    "scoped_moderator": ([P_FULL, H_ROW], CK_FULL, [T("HC")]),
}


@pytest.mark.parametrize("viewer", VIEWERS)
def test_every_list_and_count(world, viewer):
    got = client_for(world, viewer).ok(EVERYTHING, {"h": world["ids"]["H"]})
    proposals, consultation_comments, hidden_comments = SEES[viewer]
    assert tree(got["consultation"]["proposals"]) == proposals
    assert tree(got["consultation"]["comments"]) == consultation_comments
    if hidden_comments is None:
        assert got["hidden"] is None
    else:
        assert [e["node"]["body"] for e in got["hidden"]["comments"]["edges"]] == hidden_comments
    if viewer in PUBLIC_VIEWERS:
        assert MARK not in json.dumps(got, ensure_ascii=False)


# --- node(id:), moderation and nested fields ---------------------------------------------------

NODE = """query ($id: ID!) { node(id: $id) {
  ... on Proposal { isHidden moderation { reason } }
  ... on Comment { isHidden moderation { reason } }
} }"""
NONE, OWN, MOD = "invisible", "own (no moderation record)", "moderated"
# node -> {viewer: sight}; viewers not named get NONE
NODE_SIGHT: dict[str, dict[str, str]] = {
    "H": {"author": OWN, "moderator_a": MOD, "scoped_moderator": MOD},
    "HK": {"commenter": OWN, "moderator_a": MOD, "scoped_moderator": MOD},
    "HR": {"commenter": OWN, "moderator_a": MOD, "scoped_moderator": MOD},
    "HCK": {"commenter": OWN, "moderator_a": MOD, "scoped_moderator": MOD},
    "HC": {"author": OWN, "moderator_a": MOD, "scoped_moderator": MOD},
    # another agency's hidden proposal: only its own moderators (and its author) see it
    "HB": {"author": OWN, "moderator_b": MOD},
}


def expected_node(name: str, sight: str) -> dict | None:
    hidden = name != "HC"  # HC is not hidden itself, only through its proposal
    if sight == NONE:
        return None
    if sight == OWN:
        return {"isHidden": hidden, "moderation": None}
    return {"isHidden": hidden, "moderation": {"reason": REASON if hidden else None}}


NODE_CASES = [
    pytest.param(viewer, name, NODE_SIGHT[name].get(viewer, NONE), id=f"{viewer}-{name}")
    for name in NODE_SIGHT
    for viewer in VIEWERS
]


@pytest.mark.parametrize(("viewer", "name", "sight"), NODE_CASES)
def test_node(world, viewer, name, sight):
    got = client_for(world, viewer).ok(NODE, {"id": world["ids"][name]})
    assert got == {"node": expected_node(name, sight)}


@pytest.mark.parametrize(
    ("viewer", "parent"),
    [
        ("anonymous", None),
        ("participant", None),
        ("moderator_b", None),
        ("commenter", {"body": T("HCK"), "isHidden": True}),
        ("moderator_a", {"body": T("HCK"), "isHidden": True}),
    ],
)
def test_a_visible_reply_does_not_leak_its_hidden_parent(world, viewer, parent):
    got = client_for(world, viewer).ok(
        "query ($id: ID!) { node(id: $id) { ... on Comment { body parent { body isHidden } } } }",
        {"id": world["ids"]["VR"]},
    )
    assert got == {"node": {"body": T("VR"), "parent": parent}}


def test_a_moderator_sees_what_the_public_cannot_in_one_response(world):
    """Control for the `[h]` checks above: the marker is there for those who may see it."""
    got = client_for(world, "moderator_a").ok(EVERYTHING, {"h": world["ids"]["H"]})
    text = json.dumps(got, ensure_ascii=False)
    for name in ("H", "HK", "HR", "HCK", "HC"):
        assert T(name) in text


# --- bad input ---------------------------------------------------------------------------------

SUBMIT = """mutation ($c: ID!, $title: String!, $body: String!) {
  r: submitProposal(consultationId: $c, title: $title, body: $body) {
    proposal { title body } errors { code message field } } }"""
EDIT = """mutation ($id: ID!, $title: String, $body: String) {
  r: editProposal(id: $id, title: $title, body: $body) {
    proposal { title } errors { code message field } } }"""
COMMENT = """mutation ($p: ID, $c: ID, $parent: ID, $body: String!) {
  r: addComment(proposalId: $p, consultationId: $c, parentId: $parent, body: $body) {
    comment { body depth } errors { code message field } } }"""
EDIT_COMMENT = """mutation ($id: ID!, $body: String!) { r: editComment(id: $id, body: $body) {
  comment { body } errors { code message field } } }"""
SUPPORT = """mutation ($id: ID!) { r: supportProposal(id: $id) {
  proposal { id } errors { code message field } } }"""
REPORT = """mutation ($id: ID!, $reason: String!) { r: reportContent(id: $id, reason: $reason) {
  ok errors { code message field } } }"""
HIDE = """mutation ($id: ID!, $reason: String!) { r: hideContent(id: $id, reason: $reason) {
  proposal { id } comment { id } errors { code message field } } }"""
RESPOND = """mutation ($id: ID!, $status: ProposalStatus!, $text: String!) {
  r: respondToProposal(id: $id, status: $status, text: $text) {
    proposal { status } errors { code message field } } }"""

GOOD_BODY = "รายละเอียดข้อเสนอที่ยาวพอ"
WATER = "น้ำ"  # three code points: น U+0E19, ้ U+0E49, ำ U+0E33
assert len(WATER) == 3
NOT_A_ROW = to_base64("Proposal", 987_654_321)


def ids_in(world: dict, variables: dict) -> dict:
    """Variables whose values name world rows (`@P`) get those rows' ids."""
    return {
        k: world["ids"][v[1:]] if isinstance(v, str) and v.startswith("@") else v
        for k, v in variables.items()
    }


# (name, actor, document, variables, expected code, expected field or None when not asserted)
BAD_INPUT = [
    ("empty title", "participant", SUBMIT, {"c": "@C", "title": "", "body": GOOD_BODY},
     "INVALID_INPUT", "title"),
    ("blank title", "participant", SUBMIT, {"c": "@C", "title": " \n\t ", "body": GOOD_BODY},
     "INVALID_INPUT", "title"),
    ("title of 2 Thai characters", "participant", SUBMIT,
     {"c": "@C", "title": "กข", "body": GOOD_BODY}, "INVALID_INPUT", "title"),
    ("title of 201 characters (603 bytes)", "participant", SUBMIT,
     {"c": "@C", "title": WATER * 67, "body": GOOD_BODY}, "INVALID_INPUT", "title"),
    ("empty body", "participant", SUBMIT, {"c": "@C", "title": "หัวข้อ", "body": ""},
     "INVALID_INPUT", "body"),
    ("body of 10,001 characters", "participant", SUBMIT,
     {"c": "@C", "title": "หัวข้อ", "body": "x" * 10_001}, "INVALID_INPUT", "body"),
    ("edit: title of 201 characters", "author", EDIT, {"id": "@P", "title": "ก" * 201},
     "INVALID_INPUT", "title"),
    ("edit: empty body", "author", EDIT, {"id": "@P", "body": ""}, "INVALID_INPUT", "body"),
    ("empty comment", "participant", COMMENT, {"p": "@P", "body": "  "},
     "INVALID_INPUT", "body"),
    ("comment of 5,001 characters", "participant", COMMENT, {"p": "@P", "body": "ค" * 5_001},
     "INVALID_INPUT", "body"),
    ("edit comment: empty", "commenter", EDIT_COMMENT, {"id": "@K1", "body": ""},
     "INVALID_INPUT", "body"),
    ("comment on nothing", "participant", COMMENT, {"body": "ลอย ๆ"},
     "INVALID_INPUT", "proposalId"),
    ("reply beyond the depth limit", "participant", COMMENT, {"parent": "@RR1", "body": "ลึกไป"},
     "DEPTH_LIMIT", None),
    ("reply into another consultation's thread", "participant", COMMENT,
     {"c": "@CB", "parent": "@K1", "body": "ผิดที่"}, "INVALID_INPUT", "parentId"),
    ("proposal of another consultation", "participant", COMMENT,
     {"c": "@CB", "p": "@P", "body": "ผิดที่"}, "INVALID_INPUT", "proposalId"),
    ("empty report reason", "participant", REPORT, {"id": "@P", "reason": ""},
     "INVALID_INPUT", "reason"),
    ("empty hiding reason", "moderator_a", HIDE, {"id": "@P", "reason": " "},
     "INVALID_INPUT", "reason"),
    ("empty response", "responder", RESPOND, {"id": "@P", "status": "ACCEPTED", "text": ""},
     "INVALID_INPUT", "text"),
    ("response setting WITHDRAWN", "responder", RESPOND,
     {"id": "@P", "status": "WITHDRAWN", "text": "ถอนให้"}, "INVALID_INPUT", "status"),
    ("not an id", "participant", SUPPORT, {"id": "nonsense"}, "INVALID_INPUT", "id"),
    ("id of the wrong type", "participant", SUPPORT, {"id": "@K1"}, "INVALID_INPUT", "id"),
    ("consultation id of the wrong type", "participant", SUBMIT,
     {"c": "@P", "title": "หัวข้อ", "body": GOOD_BODY}, "INVALID_INPUT", "consultationId"),
    ("unknown id", "participant", SUPPORT, {"id": NOT_A_ROW}, "NOT_FOUND", None),
    ("non-numeric key", "participant", SUPPORT, {"id": to_base64("Proposal", "abc")},
     "NOT_FOUND", None),
    ("30-digit key", "participant", SUPPORT, {"id": to_base64("Proposal", "9" * 30)},
     "NOT_FOUND", None),
    ("unknown consultation", "participant", SUBMIT,
     {"c": to_base64("Consultation", 987_654_321), "title": "หัวข้อ", "body": GOOD_BODY},
     "NOT_FOUND", "consultationId"),
    ("another agency's hidden proposal: support", "participant", SUPPORT, {"id": "@HB"},
     "NOT_FOUND", None),
    ("another agency's hidden proposal: comment", "participant", COMMENT,
     {"p": "@HB", "body": "ดูสิ"}, "NOT_FOUND", None),
    ("another agency's hidden proposal: report", "participant", REPORT,
     {"id": "@HB", "reason": "spam"}, "NOT_FOUND", None),
    ("another agency's hidden proposal: hide, by a moderator of A", "moderator_a", HIDE,
     {"id": "@HB", "reason": "spam"}, "NOT_FOUND", None),
    ("another agency's hidden proposal: edit, by its author", "author", EDIT,
     {"id": "@HB", "title": "ชื่อใหม่"}, "HIDDEN", None),
]  # fmt: skip


def snapshot() -> list[list[tuple]]:
    return [
        list(model.objects.order_by("pk").values_list())
        for model in (Proposal, Comment, Support, OfficialResponse, Report)
    ]


def assert_no_server_error(result) -> None:
    assert result.status == 200, result.body
    assert "Internal server error" not in json.dumps(result.body)
    assert "INTERNAL_SERVER_ERROR" not in result.codes


@pytest.mark.parametrize(
    ("actor", "document", "variables", "code", "field"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_INPUT],
)
def test_bad_input_is_a_typed_error(world, actor, document, variables, code, field):
    before = snapshot()
    result = client_for(world, actor).execute(document, ids_in(world, variables))
    assert_no_server_error(result)
    assert not result.errors, result.errors
    payload = result.data["r"]
    [error] = payload["errors"]
    assert error["code"] == code, error
    assert error["message"]
    if field is not None:
        assert error["field"] == field, error
    assert all(value in (None, False) for key, value in payload.items() if key != "errors")
    assert snapshot() == before


def test_a_nul_character_is_refused_by_the_endpoint(world):
    """PostgreSQL cannot store U+0000: refused before anything runs, with a client code."""
    before = snapshot()
    result = client_for(world, "participant").execute(
        SUBMIT, ids_in(world, {"c": "@C", "title": "หัว\x00ข้อ", "body": GOOD_BODY})
    )
    assert result.status == 400
    assert result.codes == ["INVALID_INPUT"]
    assert snapshot() == before


def test_an_unknown_id_and_another_agencys_hidden_row_look_alike(world):
    """NOT_FOUND says nothing about whether the row exists."""
    client = client_for(world, "participant")
    unknown = client.ok(SUPPORT, {"id": NOT_A_ROW})["r"]
    hidden = client.ok(SUPPORT, {"id": world["ids"]["HB"]})["r"]
    assert unknown == hidden


@pytest.mark.parametrize("title", [WATER * 66 + "ดี", "ก" * 200])
def test_limits_count_characters_not_bytes(world, title):
    assert len(title) == 200 and len(title.encode()) == 600
    got = client_for(world, "participant").ok(
        SUBMIT, {"c": world["ids"]["C"], "title": title, "body": GOOD_BODY}
    )["r"]
    assert got == {"proposal": {"title": title, "body": GOOD_BODY}, "errors": []}


LONGEST_THAI_BODY = "ข" * 10_000  # the longest body allowed: 10,000 characters, 30,000 bytes


def test_a_body_of_10000_thai_characters_is_accepted(world):
    got = client_for(world, "participant").execute(
        SUBMIT, {"c": world["ids"]["C"], "title": "หัวข้อ", "body": LONGEST_THAI_BODY}
    )
    assert got.status == 200, got.body
    assert got.data["r"] == {
        "proposal": {"title": "หัวข้อ", "body": LONGEST_THAI_BODY},
        "errors": [],
    }


def test_comment_of_5000_thai_characters_is_accepted(world):
    body = "ค" * 5_000
    got = client_for(world, "participant").ok(COMMENT, {"p": world["ids"]["P"], "body": body})
    assert got["r"] == {"comment": {"body": body, "depth": 0}, "errors": []}


def test_depth_limit_is_announced_by_viewer_can(world):
    got = client_for(world, "participant").ok(
        """query ($deep: ID!, $ok: ID!) {
             deep: node(id: $deep) { ...reply }
             ok: node(id: $ok) { ...reply }
           }
           fragment reply on Comment { depth viewerCan { reply { allowed reason } } }""",
        {"deep": world["ids"]["RR1"], "ok": world["ids"]["R1"]},
    )
    assert got["deep"] == {
        "depth": 2,
        "viewerCan": {"reply": {"allowed": False, "reason": "DEPTH_LIMIT"}},
    }
    assert got["ok"] == {"depth": 1, "viewerCan": {"reply": {"allowed": True, "reason": None}}}


HTML_TITLE = "<b>ทางเท้า</b> & <i>ร่ม</i>"
HTML_BODY = "<script>alert('x')</script><img src=x onerror=alert(1)> &amp; &lt;p&gt; \"quoted\""


def test_html_and_script_are_returned_verbatim_as_text(world):
    client = client_for(world, "participant")
    submitted = client.ok(SUBMIT, {"c": world["ids"]["C"], "title": HTML_TITLE, "body": HTML_BODY})
    assert submitted["r"] == {"proposal": {"title": HTML_TITLE, "body": HTML_BODY}, "errors": []}
    commented = client.ok(COMMENT, {"p": world["ids"]["P"], "body": HTML_BODY})
    assert commented["r"]["comment"]["body"] == HTML_BODY
    stored = Proposal.objects.get(title=HTML_TITLE)
    assert stored.body == HTML_BODY
    read = GraphQLClient().ok(
        "query ($id: ID!) { node(id: $id) { ... on Proposal { title body } } }",
        {"id": to_base64("Proposal", stored.pk)},
    )
    assert read == {"node": {"title": HTML_TITLE, "body": HTML_BODY}}


MALFORMED = [
    pytest.param(
        'mutation { respondToProposal(id: "x", status: NOPE, text: "t") { errors { code } } }',
        {},
        id="unknown enum value",
    ),
    pytest.param(SUPPORT, {"id": {"nested": "object"}}, id="object for an ID"),
    pytest.param(SUPPORT, {"id": None}, id="null for an ID!"),
    pytest.param(COMMENT, {"p": "@P", "body": 12}, id="number for a String"),
    pytest.param("mutation { supportProposal { errors { code } } }", {}, id="missing argument"),
]


@pytest.mark.parametrize(("document", "variables"), MALFORMED)
def test_malformed_requests_are_graphql_errors_not_server_errors(world, document, variables):
    before = snapshot()
    result = client_for(world, "participant").execute(document, ids_in(world, variables))
    assert result.status in (200, 400), result.body
    assert result.errors, result.body
    assert result.data is None  # refused before any resolver ran
    assert "Internal server error" not in json.dumps(result.body)
    assert "INTERNAL_SERVER_ERROR" not in result.codes
    assert all(error["message"] for error in result.errors)
    assert snapshot() == before


@pytest.mark.parametrize(("document", "variables"), MALFORMED)
def test_malformed_requests_carry_a_code(world, document, variables):
    result = client_for(world, "participant").execute(document, ids_in(world, variables))
    assert result.errors and all(result.codes), result.errors


@pytest.mark.parametrize("node_id", ["%%%not-base64%%%", "", "UHJvcG9zYWw"])
def test_node_with_a_malformed_id_is_invalid_id(world, node_id):
    result = client_for(world, "participant").execute(
        "query ($id: ID!) { node(id: $id) { id } }", {"id": node_id}
    )
    assert_no_server_error(result)
    assert result.codes == ["INVALID_ID"], result.body


@pytest.mark.parametrize(
    "node_id",
    [
        NOT_A_ROW,
        to_base64("Comment", 987_654_321),
        to_base64("Proposal", "abc"),
        to_base64("Proposal", ""),
        to_base64("Proposal", "9" * 30),
        to_base64("NoSuchType", 1),
    ],
)
def test_node_of_a_missing_row_is_null(world, node_id):
    result = client_for(world, "participant").execute(
        "query ($id: ID!) { node(id: $id) { id } }", {"id": node_id}
    )
    assert_no_server_error(result)
    assert result.body == {"data": {"node": None}}
