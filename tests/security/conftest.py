"""Two mirror agencies with content in every lifecycle state, and the harness that runs
schema-generated GraphQL documents against them as each kind of viewer.

Every text of agency B's rows carries a canary `CANARY-B-<kind>-<n>`; `world["public"]` holds the
ones anyone may read (published consultations, visible proposals and comments), `world["private"]`
the ones no viewer without a role in B may ever see (drafts, view-restricted pages, hidden rows
and their reasons, comments under hidden proposals, deleted comment bodies, report reasons,
B staff's names and e-mails, API token names). A's rows mirror B's with `CANARY-A-...` texts so
that every root field has something to return.

The world is built once per test module inside a transaction rolled back at its end.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import graphql
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone
from hypothesis import strategies as st
from strawberry.relay import to_base64
from wagtail.models import PageViewRestriction

from accounts.tokens import create_token
from cms.phases import PhaseKind
from graph.context import Context
from graph.errors import is_expected
from participation.models import (
    Comment,
    OfficialResponse,
    Proposal,
    ProposalStatus,
    Report,
    Support,
)
from permissions.memberships import grant_role
from permissions.roles import Role
from tests.factories import UserFactory, make_agency, make_consultation
from tests.participation.conftest import make_comment, make_proposal, phases_with_current

# Documents per viewer for the cross-tenant harness. 500 took 201 s on a loaded 2-core machine
# (README.md).
# CI (CI=true) runs the full count, 500 per role; local runs default to 200 for speed.
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
EXAMPLES = int(os.environ.get("SECURITY_EXAMPLES", "500" if IN_CI else "200"))
STAFF_ROLES = [Role.ADMIN, Role.EDITOR, Role.MODERATOR, Role.RESPONDER, Role.ANALYST]
VIEWERS = ["anonymous", "participant", *(f"{r}_a" for r in STAFF_ROLES), "superuser"]
INTERNAL = "Internal server error"


class Canaries:
    """Hands out unique canary strings per agency and records whether each one is public."""

    def __init__(self, agency: str) -> None:
        self.agency = agency
        self.n = 0
        self.public: set[str] = set()
        self.private: set[str] = set()

    def __call__(self, kind: str, public: bool) -> str:
        self.n += 1
        text = (
            f"CANARY-{self.agency}-{kind}-{self.n:03d}"  # fixed width: no canary prefixes another
        )
        (self.public if public else self.private).add(text)
        return text


def build_agency(letter: str, participant) -> dict[str, Any]:
    """One agency's content in every state; returns its rows, ids and canaries."""
    c = Canaries(letter)
    slug = f"sec-{letter.lower()}"
    agency = make_agency(slug, name_en=f"Security {letter}")
    phases = phases_with_current(PhaseKind.PROPOSALS)

    def consultation(kind: str, public: bool, **kwargs):
        return make_consultation(
            agency,
            title=c(f"{kind}-title", public),
            intro=c(f"{kind}-intro", public),
            slug=f"{slug}-{kind}",
            phases=phases,
            **kwargs,
        )

    pub = consultation("published", True)
    draft = consultation("draft", False, live=False)
    private = consultation("private", False)
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)

    author = UserFactory(
        username=f"{slug}-author",
        email=c("email", False) + "@example.org",
        display_name=c("author-name", True),
    )
    staff = {}
    for role in STAFF_ROLES:
        staff[role] = UserFactory(
            username=f"{slug}-{role}",
            email=c(f"{role}-email", False) + "@example.org",
            display_name=c(f"{role}-name", False),
        )
        grant_role(agency, staff[role], role)
    hidden_by = staff[Role.MODERATOR]

    def hidden() -> dict[str, Any]:
        return {
            "is_hidden": True,
            "hidden_reason": c("hidden-reason", False),
            "hidden_at": timezone.now(),
            "hidden_by": hidden_by,
        }

    def proposal(on, public: bool, kind: str, **kwargs) -> Proposal:
        return make_proposal(
            on, author, title=c(f"{kind}-title", public), body=c(f"{kind}-body", public), **kwargs
        )

    rows: dict[str, Any] = {"C": pub, "DRAFT": draft, "PRIV": private}
    rows["P"] = proposal(pub, True, "proposal")
    rows["P2"] = proposal(pub, True, "proposal")
    rows["H"] = proposal(pub, False, "hidden-proposal", **hidden())
    rows["W"] = proposal(pub, True, "withdrawn-proposal", status=ProposalStatus.WITHDRAWN)
    rows["PP"] = proposal(private, False, "private-proposal")
    rows["DP"] = proposal(draft, False, "draft-proposal")

    def comment(kind: str, public: bool, **kwargs) -> Comment:
        on = kwargs.pop("on", pub)
        return make_comment(on, author, body=c(kind, public), **kwargs)

    p = rows["P"]
    rows["K"] = comment("comment", True, proposal=p)
    rows["R"] = comment("reply", True, proposal=p, parent=rows["K"])
    rows["HK"] = comment("hidden-comment", False, proposal=p, **hidden())
    rows["HR"] = comment("hidden-reply", False, proposal=p, parent=rows["K"], **hidden())
    rows["DK"] = comment(
        "deleted-comment", False, proposal=p, is_deleted=True, deleted_at=timezone.now()
    )
    rows["KH"] = comment("comment-on-hidden", False, proposal=rows["H"])
    rows["CK"] = comment("consultation-comment", True)
    rows["HCK"] = comment("hidden-consultation-comment", False, **hidden())
    rows["PK"] = comment("private-comment", False, on=private)
    rows["DRK"] = comment("draft-comment", False, on=draft)

    for target, supporters in ((p, (participant, author)), (rows["H"], (participant,))):
        for user in supporters:
            Support.objects.create(agency=agency, proposal=target, user=user)
        Proposal.objects.filter(pk=target.pk).update(support_count=len(supporters))
    for target in (p, rows["H"]):
        Report.objects.create(
            agency=agency, proposal=target, reporter=participant, reason=c("report", False)
        )
    Report.objects.create(
        agency=agency, comment=rows["K"], reporter=participant, reason=c("report", False)
    )
    for target, public in ((rows["P2"], True), (rows["H"], False)):
        OfficialResponse.objects.create(
            agency=agency,
            proposal=target,
            responder=staff[Role.RESPONDER],
            responding_agency=agency,
            previous_status=ProposalStatus.SUBMITTED,
            new_status=ProposalStatus.UNDER_REVIEW,
            text=c("official-response", public),
        )
        Proposal.objects.filter(pk=target.pk).update(status=ProposalStatus.UNDER_REVIEW)
    token, secret = create_token(staff[Role.MODERATOR], name=c("token-name", False))

    ids = {"agency": to_base64("Agency", agency.pk)}
    for name, row in rows.items():
        type_name = "Consultation" if name in ("C", "DRAFT", "PRIV") else type(row).__name__
        ids[name] = to_base64(type_name, row.pk)
    return {
        "agency": agency,
        "slug": slug,
        "rows": rows,
        "ids": ids,
        "staff": staff,
        "author": author,
        "token": token,
        "token_secret": secret,
        "canaries": c,
    }


def build_world() -> dict[str, Any]:
    participant = UserFactory(username="sec-participant", display_name="Sec participant")
    a = build_agency("A", participant)
    b = build_agency("B", participant)
    users: dict[str, Any] = {"anonymous": AnonymousUser(), "participant": participant}
    for role in STAFF_ROLES:
        users[f"{role}_a"] = a["staff"][role]
    users["superuser"] = UserFactory(username="sec-root", is_superuser=True, is_staff=True)
    return {"A": a, "B": b, "users": users}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached answers live in the cache, which no rollback resets."""
    cache.clear()


# --- executing documents in-process -----------------------------------------------------------


def context_for(user, agency_header: str | None = None) -> Context:
    extra = {"HTTP_X_AGENCY": agency_header} if agency_header else {}
    request = RequestFactory().post("/graphql/", **extra)
    request.user = user
    return Context(request=request, response=HttpResponse())


@dataclass
class Answer:
    data: Any
    errors: list[graphql.GraphQLError]

    def text(self) -> str:
        body = {"data": self.data, "errors": [e.formatted for e in self.errors]}
        return json.dumps(body, ensure_ascii=False, sort_keys=True, default=str)


def run(schema, document: str, user, agency_header: str | None = None, variables=None) -> Answer:
    result = schema.execute_sync(
        document, variable_values=variables, context_value=context_for(user, agency_header)
    )
    return Answer(result.data, list(result.errors or []))


def unexpected_errors(answer: Answer) -> list[str]:
    """Errors that are bugs: masked ones, and ones whose original is not an ExpectedError."""
    bad = []
    for error in answer.errors:
        if error.message == INTERNAL or not is_expected(error):
            original = error.original_error
            bad.append(f"{error.message} ({type(original).__name__ if original else '-'})")
    return bad


# --- generated documents -----------------------------------------------------------------------


def _string_node(value: str) -> graphql.StringValueNode:
    return graphql.StringValueNode(value=value)


def scalar_strategies(world: dict[str, Any]) -> dict[str, st.SearchStrategy]:
    """IDs drawn from BOTH agencies' real rows (plus junk), strings from real slugs and paths."""
    ids = [i for side in ("A", "B") for i in world[side]["ids"].values()]
    ids += [to_base64("Proposal", 0), "not-a-global-id", to_base64("Nope", 1), "1"]
    strings = ["", "x", "/", "sec-a", "sec-b", "nope", "fill-80x80", "width-50", "/consultations/"]
    for side in ("A", "B"):
        for key in ("C", "DRAFT", "PRIV"):
            page = world[side]["rows"][key]
            strings += [page.slug, f"/consultations/{page.slug}/"]
    return {
        "ID": st.sampled_from(ids).map(_string_node),
        "String": st.one_of(
            st.sampled_from(["sec-a", "sec-b"]),
            st.sampled_from(strings),
            st.sampled_from(strings),
            st.text(max_size=12),
        ).map(_string_node),
        "Int": st.sampled_from([-1, 0, 1, 2, 3, 10, 100, 101]).map(
            lambda v: graphql.IntValueNode(value=str(v))
        ),
        "DateTime": st.sampled_from(["2030-01-01T00:00:00+00:00", "yesterday", ""]).map(
            _string_node
        ),
    }


def graphql_core_schema(schema) -> graphql.GraphQLSchema:
    return schema._schema


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: long-running security harness (runs by default; required in CI)"
    )


# Hand-written deep documents run for every viewer on top of the generated ones: they reach every
# kind of B row on purpose (the generated ones reach them by chance), so the harness can never
# pass only because nothing of B was asked for.
PROPOSAL_FIELDS = """title body status isHidden supportCount commentCount viewerHasSupported
  proposer: author { displayName } moderation { isHidden reason hiddenAt }
  officialResponse { text agencyName } officialResponses { text }
  viewerCan { edit { allowed } moderate { allowed } respond { allowed } }
  consultation { title intro }"""
COMMENT_FRAGMENT = """fragment C on Comment { body isHidden isDeleted depth author { displayName }
  moderation { isHidden reason } parent { body } proposal { title } consultation { title } }"""
PAGE_FIELDS = """title slug intro urlPath seoTitle searchDescription
  viewerCan { moderate { allowed } }
  proposals(first: 10) { totalCount edges { node { PROPOSAL
    comments(first: 10) { totalCount edges { node { ...C } } } } } }
  comments(first: 10) { totalCount edges { node { ...C } } }""".replace("PROPOSAL", PROPOSAL_FIELDS)
REPLIES = "replies(first: 10) { edges { node { ...C } } }"


def _fill(template: str, **values: str) -> str:
    """GraphQL is all braces: fill UPPERCASE placeholders instead of str.format."""
    for name, value in values.items():
        template = template.replace(name.upper(), value)
    return template


def fixed_documents(world: dict[str, Any]) -> list[str]:
    docs = [
        "query { viewer { displayName email roles { agencySlug role } apiTokens { name } } }",
        "query { agencies(first: 10) { edges { node { slug name consultations(first: 10) { "
        "edges { node { title intro } } } } } } }",
        "query { consultations(first: 10) { totalCount edges { node { title intro "
        "proposals(first: 10) { edges { node { title body proposer: author { displayName } } } } "
        "comments(first: 10) { edges { node { body } } } } } } }",
    ]
    b = world["B"]
    for key in ("C", "DRAFT", "PRIV"):
        docs.append(
            _fill(
                'query { consultation(agency: "sec-b", slug: "SLUG") { PAGE } '
                'page(agency: "sec-b", path: "/consultations/SLUG/") { title '
                "... on Consultation { intro } } } FRAGMENT",
                slug=b["rows"][key].slug,
                page=PAGE_FIELDS,
                fragment=COMMENT_FRAGMENT,
            )
        )
    for global_id in b["ids"].values():
        docs.append(
            _fill(
                'query { node(id: "GID") { id '
                "... on Proposal { PROPOSAL "
                "comments(first: 10) { edges { node { ...C REPLIES } } } } "
                "... on Comment { ...C REPLIES } ... on Consultation { PAGE } "
                "... on Agency { consultations(first: 10) { edges { node { title intro } } } } } }"
                " FRAGMENT",
                proposal=PROPOSAL_FIELDS,
                replies=REPLIES,
                page=PAGE_FIELDS,
                fragment=COMMENT_FRAGMENT,
                gid=global_id,
            )
        )
    return docs
