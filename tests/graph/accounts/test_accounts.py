"""Accounts through the GraphQL endpoint: registration, sign-in/out, API tokens, CSRF, and the
rule that an e-mail address is never shown to anyone but its owner."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.cache import cache
from django.test import Client
from strawberry.relay import to_base64

from accounts.models import ApiToken, User
from cms.phases import PhaseKind
from participation.models import Comment, Proposal
from permissions.memberships import grant_role
from permissions.roles import Role
from tests.conftest import GraphQLClient
from tests.factories import PASSWORD, UserFactory, make_consultation
from tests.participation.conftest import make_proposal, phases_with_current

pytestmark = pytest.mark.django_db


def open_consultation(agency):
    """A live consultation of `agency` in its PROPOSALS phase."""
    return make_consultation(agency, phases=phases_with_current(PhaseKind.PROPOSALS))


@pytest.fixture
def consultation(agency_a):
    return open_consultation(agency_a)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters (sign-in, registration) live in the cache, which no rollback resets."""
    cache.clear()


REGISTER = """mutation ($email: String!, $password: String!, $name: String!) {
  register(email: $email, password: $password, displayName: $name) {
    viewer { displayName email } errors { code message field } } }"""
SIGN_IN = """mutation ($email: String!, $password: String!) {
  signIn(email: $email, password: $password) {
    viewer { displayName email } errors { code message field } } }"""
VIEWER = "{ viewer { displayName email } }"
CREATE_TOKEN = """mutation ($name: String!) { createApiToken(name: $name) {
  token { id name prefix revokedAt } secret errors { code field } } }"""
REVOKE_TOKEN = """mutation ($id: ID!) { revokeApiToken(id: $id) {
  token { id revokedAt } secret errors { code } } }"""
SUBMIT = """mutation ($c: ID!, $title: String!, $body: String!) {
  submitProposal(consultationId: $c, title: $title, body: $body) {
    proposal { id } errors { code } } }"""
COMMENT = """mutation ($p: ID, $parent: ID, $body: String!) {
  addComment(proposalId: $p, parentId: $parent, body: $body) { comment { id } errors { code } } }"""
HIDE = """mutation ($id: ID!) { hideContent(id: $id, reason: "spam") {
  proposal { isHidden } errors { code } } }"""

STRONG = "ลมหนาว-2567-ทะเลสาบ"


# --- registration ------------------------------------------------------------------------------


def test_register_signs_in_and_only_the_viewer_sees_the_address(gql):
    got = gql.ok(REGISTER, {"email": " Somsri@Example.ORG ", "password": STRONG, "name": "สมศรี"})
    assert got["register"] == {
        "viewer": {"displayName": "สมศรี", "email": "somsri@example.org"},
        "errors": [],
    }
    assert gql.ok(VIEWER) == {"viewer": {"displayName": "สมศรี", "email": "somsri@example.org"}}
    user = User.objects.get(email="somsri@example.org")
    assert user.check_password(STRONG) and user.display_name == "สมศรี"
    assert GraphQLClient().ok(VIEWER) == {"viewer": None}  # another browser: nobody


@pytest.mark.parametrize(
    ("email", "password", "name", "field"),
    [
        ("taken@example.org", STRONG, "ซ้ำ", "email"),
        ("TAKEN@example.org", STRONG, "ซ้ำ", "email"),
        ("not-an-address", STRONG, "ชื่อ", "email"),
        ("new@example.org", STRONG, "   ", "displayName"),
        ("new@example.org", STRONG, "ก" * 101, "displayName"),
        ("new@example.org", "1234", "ชื่อ", "password"),
        ("new@example.org", "new@example.org", "ชื่อ", "password"),
    ],
)
def test_register_refusals_are_typed_and_create_nothing(gql, email, password, name, field):
    UserFactory(username="taken", email="taken@example.org")
    users = User.objects.count()
    got = gql.ok(REGISTER, {"email": email, "password": password, "name": name})["register"]
    assert got["viewer"] is None
    [error] = got["errors"]
    assert (error["code"], error["field"]) == ("INVALID_INPUT", field)
    assert User.objects.count() == users
    assert gql.ok(VIEWER) == {"viewer": None}


# --- no e-mail address anywhere ----------------------------------------------------------------

EVERYTHING_PUBLIC = """query ($agency: String!, $slug: String!, $p: ID!, $k: ID!) {
  consultation(agency: $agency, slug: $slug) {
    title
    proposals(first: 10) { edges { node {
      id title author { displayName } viewerCan { edit { allowed reason message } }
      comments(first: 10) { edges { node {
        body author { displayName } parent { id }
        replies(first: 10) { edges { node { body author { displayName } } } }
      } } }
    } } }
    comments(first: 10) { edges { node { body author { displayName } } } }
  }
  p: node(id: $p) { ... on Proposal { author { displayName } } }
  k: node(id: $k) { ... on Comment { author { displayName } proposal { author { displayName } } } }
}"""


def registered(email: str, name: str) -> GraphQLClient:
    client = GraphQLClient()
    got = client.ok(REGISTER, {"email": email, "password": STRONG, "name": name})["register"]
    assert got["errors"] == []
    return client


def test_an_email_address_is_never_in_any_public_answer(consultation, make_member, agency_a):
    """Write through the API as registered citizens, read as everyone: no '@' anywhere."""
    author = registered("author.person@example.org", "นักเขียน")
    replier = registered("replier.person@example.org", "ผู้ตอบ")
    c = to_base64("Consultation", consultation.pk)
    p = author.ok(SUBMIT, {"c": c, "title": "ถนนปลอดภัย", "body": "ขอทางม้าลายหน้าโรงเรียน"})
    proposal_id = p["submitProposal"]["proposal"]["id"]
    k = author.ok(COMMENT, {"p": proposal_id, "body": "รายละเอียดเพิ่มเติม"})
    comment_id = k["addComment"]["comment"]["id"]
    assert (
        replier.ok(COMMENT, {"parent": comment_id, "body": "เห็นด้วย"})["addComment"]["errors"] == []
    )
    moderator = GraphQLClient().login(make_member(agency_a, Role.MODERATOR))
    variables = {"agency": "agency-a", "slug": consultation.slug, "p": proposal_id, "k": comment_id}

    for reader in (GraphQLClient(), replier, author, moderator):
        result = reader.execute(EVERYTHING_PUBLIC, variables)
        assert result.status == 200 and not result.errors, result.body
        text = json.dumps(result.body, ensure_ascii=False)
        assert "นักเขียน" in text and "ผู้ตอบ" in text  # the control: authors are there
        assert "@" not in text, text
    # only the viewer themself reads their own address
    assert author.ok("{ viewer { email } }") == {"viewer": {"email": "author.person@example.org"}}


def test_no_email_even_when_a_registered_user_has_no_display_name(consultation):
    """Registration makes the e-mail address the internal login name; with no display name
    (an admin cleared it), the public name must not fall back to it."""
    author = registered("blank.name@example.org", "ชั่วคราว")
    c = to_base64("Consultation", consultation.pk)
    got = author.ok(SUBMIT, {"c": c, "title": "ไฟส่องทาง", "body": "ขอไฟส่องทางในซอย"})
    proposal_id = got["submitProposal"]["proposal"]["id"]
    User.objects.filter(email="blank.name@example.org").update(display_name="", first_name="")
    result = GraphQLClient().ok(
        "query ($id: ID!) { node(id: $id) { ... on Proposal { author { displayName } } } }",
        {"id": proposal_id},
    )
    name = result["node"]["author"]["displayName"]
    assert name and "@" not in name and "blank.name" not in name


# --- sign-in and sign-out ----------------------------------------------------------------------


def test_wrong_password_and_unknown_address_get_the_identical_error(gql):
    UserFactory(username="known", email="known@example.org")
    UserFactory(username="asleep", email="asleep@example.org", is_active=False)
    answers = [
        gql.execute(SIGN_IN, {"email": email, "password": password}).body
        for email, password in (
            ("known@example.org", "wrong-password"),
            ("nobody@example.org", "wrong-password"),
            ("nobody@example.org", PASSWORD),
            ("asleep@example.org", PASSWORD),
            ("", ""),
        )
    ]
    first = answers[0]["data"]["signIn"]
    assert first["viewer"] is None
    assert [e["code"] for e in first["errors"]] == ["INVALID_CREDENTIALS"]
    assert all(answer == answers[0] for answer in answers), answers
    assert gql.ok(VIEWER) == {"viewer": None}


def test_sign_in_and_sign_out(gql):
    UserFactory(username="known", email="known@example.org", display_name="คนคุ้นเคย")
    got = gql.ok(SIGN_IN, {"email": "KNOWN@example.org", "password": PASSWORD})["signIn"]
    assert got == {
        "viewer": {"displayName": "คนคุ้นเคย", "email": "known@example.org"},
        "errors": [],
    }
    assert gql.ok(VIEWER)["viewer"]["displayName"] == "คนคุ้นเคย"
    assert gql.ok("mutation { signOut { ok } }") == {"signOut": {"ok": True}}
    assert gql.ok(VIEWER) == {"viewer": None}
    assert gql.ok("mutation { signOut { ok } }") == {"signOut": {"ok": False}}


# --- API tokens --------------------------------------------------------------------------------


def test_token_secret_is_shown_once_and_only_its_hash_is_stored(gql):
    user = UserFactory(display_name="ฟรอนต์เอนด์")
    gql.login(user)
    got = gql.ok(CREATE_TOKEN, {"name": "เว็บไซต์ของกรม"})["createApiToken"]
    secret = got["secret"]
    assert got["errors"] == [] and secret.startswith("rk_") and len(secret) > 30
    assert got["token"]["name"] == "เว็บไซต์ของกรม" and got["token"]["revokedAt"] is None
    row = ApiToken.objects.get(user=user)
    assert row.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = json.dumps(list(ApiToken.objects.values_list()), default=str)
    assert secret not in stored and secret[10:] not in stored
    listed = gql.ok("{ viewer { apiTokens { id name prefix } } }")
    assert secret not in json.dumps(listed)
    assert listed["viewer"]["apiTokens"] == [
        {"id": got["token"]["id"], "name": "เว็บไซต์ของกรม", "prefix": secret[:10]}
    ]
    bearer = GraphQLClient()
    headers = {"Authorization": f"Bearer {secret}"}
    assert bearer.ok("{ viewer { displayName } }", headers=headers) == {
        "viewer": {"displayName": "ฟรอนต์เอนด์"}
    }


def test_revoked_token_is_refused_with_401(gql):
    user = UserFactory()
    created = gql.login(user).ok(CREATE_TOKEN, {"name": "cli"})["createApiToken"]
    headers = {"Authorization": f"Bearer {created['secret']}"}
    bearer = GraphQLClient()
    assert bearer.ok("{ viewer { email } }", headers=headers) == {"viewer": {"email": user.email}}

    someone_else = GraphQLClient().login(UserFactory())
    theirs = someone_else.ok(REVOKE_TOKEN, {"id": created["token"]["id"]})["revokeApiToken"]
    assert theirs == {"token": None, "secret": None, "errors": [{"code": "NOT_FOUND"}]}
    assert bearer.ok("{ viewer { email } }", headers=headers)["viewer"] is not None

    revoked = gql.ok(REVOKE_TOKEN, {"id": created["token"]["id"]})["revokeApiToken"]
    assert revoked["errors"] == [] and revoked["token"]["revokedAt"] and revoked["secret"] is None
    for document in ("{ viewer { email } }", "mutation { signOut { ok } }"):
        refused = bearer.execute(document, headers=headers)
        assert refused.status == 401 and refused.codes == ["INVALID_TOKEN"], refused.body
        assert refused.data is None


def test_tokens_need_a_signed_in_user(gql):
    created = gql.ok(CREATE_TOKEN, {"name": "x"})["createApiToken"]
    assert created == {
        "token": None,
        "secret": None,
        "errors": [{"code": "NOT_SIGNED_IN", "field": None}],
    }
    revoked = gql.ok(REVOKE_TOKEN, {"id": "1"})["revokeApiToken"]
    assert revoked["errors"] == [{"code": "NOT_SIGNED_IN"}]
    assert not ApiToken.objects.exists()


def test_a_token_acts_with_its_owners_roles_in_their_agency_only(agency_a, agency_b, make_member):
    """X is a moderator and responder of A only: with X's token, B's content is out of reach,
    whatever agency the request says it acts for; A's is not (the control)."""
    x = make_member(agency_a, Role.MODERATOR)
    grant_role(agency_a, x, Role.RESPONDER)
    grant_role(agency_a, x, Role.ADMIN)
    author = UserFactory()
    in_a = make_proposal(open_consultation(agency_a), author)
    b_consultation = open_consultation(agency_b)
    in_b = make_proposal(b_consultation, author)
    hidden_in_b = make_proposal(b_consultation, author, is_hidden=True, hidden_reason="spam")
    secret = GraphQLClient().login(x).ok(CREATE_TOKEN, {"name": "x"})["createApiToken"]["secret"]
    bearer = GraphQLClient()
    bearer.headers = {"Authorization": f"Bearer {secret}"}

    def errors(document: str, variables: dict, scope: str | None = None) -> list:
        headers = {"X-Agency": scope} if scope else None
        result = bearer.execute(document, variables, headers=headers)
        assert result.status == 200 and not result.errors, result.body
        return next(iter(result.data.values()))["errors"]

    respond = """mutation ($id: ID!) { respondToProposal(id: $id, status: ACCEPTED, text: "ตกลง")
                 { errors { code } } }"""
    grant = """mutation ($a: String!) { grantRole(agency: $a, email: "someone@example.org",
               role: MODERATOR) { errors { code } } }"""
    UserFactory(username="someone", email="someone@example.org")
    before = (
        list(Proposal.objects.order_by("pk").values_list()),
        list(Comment.objects.values_list()),
    )
    for scope in (None, "agency-a", "agency-b"):
        assert errors(HIDE, {"id": to_base64("Proposal", in_b.pk)}, scope) == [
            {"code": "ROLE_REQUIRED"}
        ]
        assert errors(respond, {"id": to_base64("Proposal", in_b.pk)}, scope) == [
            {"code": "ROLE_REQUIRED"}
        ]
        assert errors(HIDE, {"id": to_base64("Proposal", hidden_in_b.pk)}, scope) == [
            {"code": "NOT_FOUND"}
        ]
        assert errors(grant, {"a": "agency-b"}, scope) == [{"code": "ROLE_REQUIRED"}]
    assert (
        list(Proposal.objects.order_by("pk").values_list()),
        list(Comment.objects.values_list()),
    ) == before
    # the control: the same token does act in agency A
    assert errors(HIDE, {"id": to_base64("Proposal", in_a.pk)}, "agency-b") == []
    assert Proposal.objects.get(pk=in_a.pk).is_hidden


# --- CSRF --------------------------------------------------------------------------------------


def test_a_session_post_without_the_csrf_header_is_refused(consultation):
    UserFactory(username="csrf", email="csrf@example.org")
    proposal = make_proposal(consultation, UserFactory())
    browser = GraphQLClient(Client(HTTP_HOST="localhost", enforce_csrf_checks=True))
    signed_in = browser.ok(
        'mutation ($p: String!) { signIn(email: "csrf@example.org", password: $p) '
        "{ viewer { csrfToken } errors { code } } }",
        {"p": PASSWORD},
    )["signIn"]
    token = signed_in["viewer"]["csrfToken"]
    variables = {"p": to_base64("Proposal", proposal.pk), "body": "ความเห็น"}

    refused = browser.execute(COMMENT, variables)
    assert refused.status == 403 and refused.codes == ["CSRF_FAILED"], refused.body
    refused = browser.execute(COMMENT, variables, headers={"X-CSRFToken": "forged" * 6})
    assert refused.status == 403
    assert not Comment.objects.exists()

    accepted = browser.execute(COMMENT, variables, headers={"X-CSRFToken": token})
    assert accepted.status == 200 and accepted.data["addComment"]["errors"] == [], accepted.body
    assert Comment.objects.count() == 1


# --- role management: typed errors name the argument at fault ----------------------------------

GRANT = """mutation ($agency: String!, $email: String!, $role: Role!, $c: ID) {
  grantRole(agency: $agency, email: $email, role: $role, consultationId: $c) {
    ok errors { code field } } }"""


def test_grant_role_errors_name_the_argument(agency_a, agency_b, make_member):
    admin = GraphQLClient().login(make_member(agency_a, Role.ADMIN))
    UserFactory(username="target", email="target@example.org")
    UserFactory(username="gone", email="gone@example.org", is_active=False)
    in_b = to_base64("Consultation", open_consultation(agency_b).pk)
    in_a = to_base64("Consultation", open_consultation(agency_a).pk)
    cases = [
        ({"agency": "nope", "email": "target@example.org", "role": "MODERATOR"}, "agency"),
        ({"agency": "agency-a", "email": "nobody@example.org", "role": "MODERATOR"}, "email"),
        ({"agency": "agency-a", "email": "gone@example.org", "role": "MODERATOR"}, "email"),
        (
            {"agency": "agency-a", "email": "target@example.org", "role": "MODERATOR", "c": in_b},
            "consultationId",
        ),
        (
            {"agency": "agency-a", "email": "target@example.org", "role": "EDITOR", "c": in_a},
            "role",
        ),
        (
            {"agency": "agency-a", "email": "target@example.org", "role": "MODERATOR", "c": "x"},
            "consultationId",
        ),
    ]
    for variables, field in cases:
        got = admin.ok(GRANT, variables)["grantRole"]
        assert got["ok"] is False
        assert [e["field"] for e in got["errors"]] == [field], (variables, got)
    assert not User.objects.get(email="target@example.org").memberships.exists()
