"""Participation mutations through the endpoint: payloads, typed errors, nothing half-written."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from strawberry.relay import to_base64

from cms.phases import PhaseKind
from participation.models import Comment, Proposal, Support
from permissions.roles import Role
from tests.factories import UserFactory
from tests.graph.participation.conftest import make_proposal

pytestmark = pytest.mark.django_db

SUBMIT = """mutation ($c: ID!, $title: String!, $body: String!) {
  submitProposal(consultationId: $c, title: $title, body: $body) {
    proposal {
      id title body status supportCount author { displayName } viewerCan { edit { allowed } }
    }
    errors { code message field }
  }
}"""
SUPPORT = """mutation ($id: ID!) { supportProposal(id: $id) {
  proposal { supportCount viewerHasSupported } errors { code } } }"""
COMMENT = """mutation ($p: ID, $parent: ID, $body: String!) {
  addComment(proposalId: $p, parentId: $parent, body: $body) {
    comment { id body depth author { displayName } } errors { code field } } }"""
HIDE = """mutation ($id: ID!, $reason: String!) { hideContent(id: $id, reason: $reason) {
  proposal { isHidden moderation { reason } } comment { isHidden } errors { code } } }"""


def gid(row) -> str:
    return to_base64(type(row).__name__, row.pk)


def test_submit_support_comment_flow(gql, consultation):
    citizen = UserFactory(display_name="สมหญิง")
    gql.login(citizen)
    got = gql.ok(
        SUBMIT,
        {
            "c": to_base64("Consultation", consultation.pk),
            "title": "ปลูกต้นไม้",
            "body": "ปลูกต้นไม้ริมถนนทุกสาย",
        },
    )["submitProposal"]
    assert got["errors"] == []
    proposal = got["proposal"]
    assert proposal["title"] == "ปลูกต้นไม้"
    assert proposal["status"] == "SUBMITTED"
    assert proposal["author"] == {"displayName": "สมหญิง"}
    assert proposal["viewerCan"]["edit"]["allowed"] is True
    supported = gql.ok(SUPPORT, {"id": proposal["id"]})["supportProposal"]
    assert supported == {"proposal": {"supportCount": 1, "viewerHasSupported": True}, "errors": []}
    again = gql.ok(SUPPORT, {"id": proposal["id"]})["supportProposal"]
    assert again["errors"] == [{"code": "ALREADY_SUPPORTED"}]
    assert Support.objects.count() == 1
    comment = gql.ok(COMMENT, {"p": proposal["id"], "body": "<script>alert(1)</script> เห็นด้วย"})[
        "addComment"
    ]
    assert comment["errors"] == []
    assert comment["comment"]["body"] == "<script>alert(1)</script> เห็นด้วย"
    reply = gql.ok(COMMENT, {"parent": comment["comment"]["id"], "body": "ขอบคุณ"})["addComment"]
    assert reply["comment"]["depth"] == 1


def test_anonymous_is_refused_and_nothing_written(gql, consultation):
    got = gql.ok(
        SUBMIT,
        {
            "c": to_base64("Consultation", consultation.pk),
            "title": "ชื่อเรื่อง",
            "body": "รายละเอียดยาวพอ",
        },
    )["submitProposal"]
    assert got == {
        "proposal": None,
        "errors": [
            {"code": "NOT_SIGNED_IN", "message": got["errors"][0]["message"], "field": None}
        ],
    }
    assert not Proposal.objects.exists()


def test_validation_errors_carry_the_field(gql, consultation):
    gql.login(UserFactory())
    got = gql.ok(
        SUBMIT, {"c": to_base64("Consultation", consultation.pk), "title": "  ", "body": "x"}
    )
    [error] = got["submitProposal"]["errors"]
    assert error["code"] == "INVALID_INPUT" and error["field"] == "title"
    bad_id = gql.ok(SUBMIT, {"c": "nonsense", "title": "ชื่อเรื่อง", "body": "รายละเอียดยาวพอ"})
    assert bad_id["submitProposal"]["errors"][0]["code"] == "INVALID_INPUT"
    wrong_type = gql.ok(
        SUBMIT, {"c": to_base64("Proposal", 1), "title": "ชื่อเรื่อง", "body": "รายละเอียดยาวพอ"}
    )
    assert wrong_type["submitProposal"]["errors"][0]["field"] == "consultationId"


def test_phase_closed(gql, consultation_in):
    page = consultation_in(PhaseKind.REVIEW)
    gql.login(UserFactory())
    got = gql.ok(
        SUBMIT,
        {"c": to_base64("Consultation", page.pk), "title": "ชื่อเรื่อง", "body": "รายละเอียดยาวพอ"},
    )
    assert got["submitProposal"]["errors"][0]["code"] == "PHASE_CLOSED"


def test_moderator_hides_and_public_loses_sight(gql, consultation, make_member, agency_a, agency_b):
    author = UserFactory()
    proposal = make_proposal(consultation, author)
    outsider = make_member(agency_b, Role.MODERATOR)
    refused = gql.login(outsider).ok(HIDE, {"id": gid(proposal), "reason": "สแปม"})["hideContent"]
    assert refused["errors"] == [{"code": "NOT_FOUND"}] or refused["errors"] == [
        {"code": "ROLE_REQUIRED"}
    ]
    assert not Proposal.objects.get().is_hidden
    moderator = make_member(agency_a, Role.MODERATOR)
    from tests.conftest import GraphQLClient

    mod = GraphQLClient().login(moderator)
    hidden = mod.ok(HIDE, {"id": gid(proposal), "reason": "สแปม"})["hideContent"]
    assert hidden == {
        "proposal": {"isHidden": True, "moderation": {"reason": "สแปม"}},
        "comment": None,
        "errors": [],
    }
    public = GraphQLClient().ok("query ($id: ID!) { node(id: $id) { id } }", {"id": gid(proposal)})
    assert public == {"node": None}


def test_sign_in_token_and_viewer(gql, agency_a, make_member):
    user = make_member(agency_a, Role.MODERATOR, email="mod@example.org", display_name="ผู้ดูแล")
    bad = gql.ok(
        'mutation { signIn(email: "mod@example.org", password: "nope") '
        "{ viewer { displayName } errors { code message } } }"
    )
    assert bad["signIn"]["viewer"] is None
    assert bad["signIn"]["errors"][0]["code"] == "INVALID_CREDENTIALS"
    from tests.factories import PASSWORD

    good = gql.ok(
        'mutation ($p: String!) { signIn(email: "MOD@example.org", password: $p) '
        "{ viewer { displayName email roles { agencySlug role } } errors { code } } }",
        {"p": PASSWORD},
    )["signIn"]
    assert good["viewer"] == {
        "displayName": "ผู้ดูแล",
        "email": "mod@example.org",
        "roles": [{"agencySlug": "agency-a", "role": "moderator"}],
    }
    assert user.pk


def test_bearer_token(agency_a):
    from accounts.tokens import create_token
    from tests.conftest import GraphQLClient

    user = UserFactory(display_name="ผู้ใช้โทเคน")
    _, secret = create_token(user, "frontend")
    client = GraphQLClient()
    assert client.ok(
        "{ viewer { displayName } }", headers={"Authorization": f"Bearer {secret}"}
    ) == {"viewer": {"displayName": "ผู้ใช้โทเคน"}}
    bad = client.execute(
        "{ viewer { displayName } }", headers={"Authorization": "Bearer rk_forged"}
    )
    assert bad.status == 401 and bad.codes == ["INVALID_TOKEN"]
    assert client.ok("{ viewer { displayName } }") == {"viewer": None}
    assert Comment.objects.count() == 0


def test_spa_cookie_flow_with_csrf_token_from_viewer(agency_a):
    """Sign in, read the CSRF token from `viewer`, then mutate with the session cookie."""
    import json

    from django.test import Client

    from tests.factories import PASSWORD

    UserFactory(email="spa@example.org", display_name="สปา")
    browser = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)

    def post(query: str, **headers: str) -> tuple[int, dict]:
        response = browser.post(
            "/graphql/", json.dumps({"query": query}), content_type="application/json", **headers
        )
        return response.status_code, json.loads(response.content)

    status, body = post(
        f'mutation {{ signIn(email: "spa@example.org", password: "{PASSWORD}") '
        "{ viewer { displayName csrfToken } errors { code } } }"
    )
    assert status == 200 and body["data"]["signIn"]["errors"] == []
    token = body["data"]["signIn"]["viewer"]["csrfToken"]
    status, _ = post("mutation { signOut { ok } }")
    assert status == 403  # cookie session without the token: refused
    status, body = post("mutation { signOut { ok } }", HTTP_X_CSRFTOKEN=token)
    assert status == 200 and body["data"]["signOut"] == {"ok": True}


def test_a_support_reads_its_proposal_once_under_the_lock_and_answers_with_it(gql, consultation):
    author, citizen = UserFactory(), UserFactory()
    proposal = make_proposal(consultation, author, title="สะพานลอย")
    gql.login(citizen)
    with CaptureQueriesContext(connection) as captured:
        got = gql.ok(SUPPORT, {"id": gid(proposal)})["supportProposal"]
    assert got == {"proposal": {"supportCount": 1, "viewerHasSupported": True}, "errors": []}
    reads = [
        q["sql"]
        for q in captured
        if q["sql"].startswith("SELECT") and 'FROM "participation_proposal"' in q["sql"]
    ]
    # One read: through the viewer's visibility, under the row lock the service needs.
    assert len(reads) == 1
    assert ("FOR UPDATE" in reads[0]) is connection.features.has_select_for_update


def test_supporting_a_proposal_hidden_meanwhile_is_refused_and_shows_nothing(gql, consultation):
    """The author still sees their hidden proposal, but may not support it: HIDDEN, no row."""
    author = UserFactory()
    proposal = make_proposal(consultation, author, is_hidden=True)
    gql.login(author)
    got = gql.ok(SUPPORT, {"id": gid(proposal)})["supportProposal"]
    assert got == {"proposal": None, "errors": [{"code": "HIDDEN"}]}


def test_a_support_and_a_comment_take_no_savepoints_of_their_own(gql, consultation):
    """The mutation's one transaction is the services' (perf.db.transactions): in a test it is
    itself a savepoint of the test's transaction, the only one each request takes."""
    proposal = make_proposal(consultation, UserFactory(), title="ลานจอดจักรยาน")
    gql.login(UserFactory())
    for document, variables in (
        (SUPPORT, {"id": gid(proposal)}),
        (COMMENT, {"p": gid(proposal), "body": "เห็นด้วยครับ"}),
    ):
        with CaptureQueriesContext(connection) as captured:
            payload = next(iter(gql.ok(document, variables).values()))
        assert payload["errors"] == []
        taken = [q["sql"].split()[0] for q in captured if "SAVEPOINT" in q["sql"]]
        assert taken == ["SAVEPOINT", "RELEASE"]
