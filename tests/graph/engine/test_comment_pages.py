"""A proposal's comments, loaded for the whole list at once (graph/engine/comment_pages.py).

Every page must be the one strawberry's `ListConnection` cuts from the proposal's whole visible
list (the relay contract the other connections keep), for any first/after/last/before/orderBy,
and all proposals of a list must cost one statement.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from strawberry.relay import to_base64
from strawberry_django.relay import DjangoListConnection

from cms.phases import PhaseKind
from graph.participation.types import CommentType
from participation.models import Comment
from permissions.memberships import grant_role
from permissions.roles import Role
from tests.factories import UserFactory, make_agency, make_consultation
from tests.module_data import rolled_back
from tests.participation.conftest import make_comment, make_proposal, phases_with_current

pytestmark = pytest.mark.django_db

MAX = 100  # settings.GRAPHQL["MAX_PAGE_SIZE"], the relay maximum of the schema

PAGES = """query Pages($first: Int, $after: String, $last: Int, $before: String,
                      $order: CommentOrder) {
  consultation(agency: "pages-a", slug: "paged") {
    proposals(first: 10, orderBy: OLDEST) { edges { node { title
      comments(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
        totalCount
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges { cursor node { body } }
      }
    } } }
  }
}"""


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Three proposals: seven top-level comments (hidden, deleted, a reply, equal times), none,
    and three."""
    with rolled_back(django_db_blocker):
        agency = make_agency("pages-a", name_th="หน้า", name_en="Pages")
        page = make_consultation(
            agency, "แบ่งหน้า", "paged", phases=phases_with_current(PhaseKind.PROPOSALS)
        )
        author, other = UserFactory(), UserFactory()
        first, empty, third = (make_proposal(page, author, title=f"ข้อเสนอ {i}") for i in range(3))
        base = timezone.now() - timedelta(days=1)
        # Minutes out of id order, two equal: the order is (createdAt, id), not insertion.
        for i, minute in enumerate([5, 1, 3, 3, 9, 2, 7, 4]):
            comment = make_comment(page, other, first, body=f"ความเห็น {i}")
            Comment.objects.filter(pk=comment.pk).update(
                created_at=base + timedelta(minutes=minute)
            )
        Comment.objects.filter(body="ความเห็น 4").update(is_hidden=True)
        Comment.objects.filter(body="ความเห็น 6").update(is_deleted=True)
        parent = Comment.objects.get(body="ความเห็น 0")
        make_comment(page, author, first, parent=parent, body="คำตอบ")
        for i in range(3):
            make_comment(page, author, third, body=f"อีกเรื่อง {i}")
        moderator = UserFactory()
        grant_role(agency, moderator, Role.MODERATOR)
        yield {"proposals": [first, empty, third], "moderator": moderator}


def visible_bodies(proposal, order: str, viewer=None) -> list[str]:
    """The proposal's whole list as the viewer may read it, in order (deleted ones blanked)."""
    from django.contrib.auth.models import AnonymousUser

    from participation.visibility import visible_comments

    ordering = ("created_at", "id") if order == "OLDEST" else ("-created_at", "-id")
    rows = visible_comments(
        Comment.objects.filter(proposal=proposal, parent__isnull=True), viewer or AnonymousUser()
    ).order_by(*ordering)
    return ["" if row.is_deleted else row.body for row in rows]


def strawberry_page(bodies: list[str], arguments: dict) -> dict:
    """What strawberry's ListConnection answers for the whole list."""
    edges_selected = SimpleNamespace(name="edges", selections=[])
    info = SimpleNamespace(selected_fields=[SimpleNamespace(selections=[edges_selected])])
    sliced = DjangoListConnection[CommentType].resolve_connection(
        bodies, info=info, max_results=MAX, **arguments
    )
    return {
        "totalCount": len(bodies),
        "pageInfo": {
            "hasNextPage": sliced.page_info.has_next_page,
            "hasPreviousPage": sliced.page_info.has_previous_page,
            "startCursor": sliced.page_info.start_cursor,
            "endCursor": sliced.page_info.end_cursor,
        },
        "edges": [{"cursor": e.cursor, "node": {"body": e.node}} for e in sliced.edges],
    }


def expected_page(bodies: list[str], arguments: dict) -> dict:
    from_end = arguments.get("before") is None and arguments.get("first") is None
    if arguments.get("last") == 0 and from_end:
        # strawberry answers `last: 0` with every row after `after` (its `[-0:]`); relay's
        # algorithm, which this loader follows, answers none, with a previous page if any.
        start = strawberry_page(bodies, {"after": arguments.get("after")})
        start["edges"] = []
        start["pageInfo"].update(
            startCursor=None,
            endCursor=None,
            hasNextPage=False,
            hasPreviousPage=bool(
                strawberry_page(bodies, {"after": arguments.get("after"), "first": MAX})["edges"]
            ),
        )
        return start
    return strawberry_page(bodies, arguments)


def cursor(offset: int | None) -> str | None:
    return None if offset is None else to_base64("arrayconnection", offset)


pages = st.fixed_dictionaries(
    {
        "first": st.none() | st.integers(0, 9),
        "after": st.none() | st.integers(-1, 9),
        "last": st.none() | st.integers(0, 9),
        "before": st.none() | st.integers(0, 9),
    }
)


@given(arguments=pages, order=st.sampled_from(["OLDEST", "NEWEST"]))
@hypothesis_settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_page_is_the_one_strawberry_cuts_from_the_whole_list(gql, world, arguments, order):
    cache.clear()  # rate limits
    arguments = {
        **arguments,
        "after": cursor(arguments["after"]),
        "before": cursor(arguments["before"]),
    }
    answer = gql.ok(PAGES, {**arguments, "order": order})
    edges = answer["consultation"]["proposals"]["edges"]
    assert [e["node"]["title"] for e in edges] == [p.title for p in world["proposals"]]
    for edge, proposal in zip(edges, world["proposals"], strict=True):
        expected = expected_page(visible_bodies(proposal, order), arguments)
        assert edge["node"]["comments"] == expected, (proposal.title, arguments, order)


def test_the_relay_maximum_and_bad_cursors_are_refused_as_before(gql, world):
    one_proposal = PAGES.replace("proposals(first: 10", "proposals(first: 1")
    too_many = gql.execute(one_proposal, {"first": MAX + 1})
    assert too_many.errors and "cannot be higher than" in too_many.errors[0]["message"]
    assert too_many.errors[0]["path"][-1] == "comments"
    bad = gql.execute(one_proposal, {"first": 2, "after": to_base64("other", 1)})
    assert bad.errors and bad.errors[0]["path"][-1] == "comments"


def test_a_moderator_pages_through_what_they_may_read(gql, world):
    gql.login(world["moderator"])
    answer = gql.ok(PAGES, {"first": 20, "order": "OLDEST"})
    first = answer["consultation"]["proposals"]["edges"][0]["node"]["comments"]
    bodies = visible_bodies(world["proposals"][0], "OLDEST", world["moderator"])
    assert "ความเห็น 4" in bodies  # the hidden one
    assert [e["node"]["body"] for e in first["edges"]] == bodies
    assert first["totalCount"] == len(bodies)


def comment_statements(captured) -> list[str]:
    return [q["sql"] for q in captured if 'FROM "participation_comment"' in q["sql"]]


def test_all_proposals_of_the_list_cost_one_statement(gql, world):
    variables = {"first": 2, "order": "OLDEST"}
    gql.ok(PAGES, variables)
    with CaptureQueriesContext(connection) as captured:
        gql.ok(PAGES, variables)
    # Pages and their totals: one windowed statement (a page from the start without rows
    # counts 0).
    assert len(comment_statements(captured)) == 1
    # Past the end of a list no row carries its total: those proposals are counted apart.
    variables["after"] = to_base64("arrayconnection", 2)
    with CaptureQueriesContext(connection) as captured:
        answer = gql.ok(PAGES, variables)
    assert len(comment_statements(captured)) == 2
    totals = [
        e["node"]["comments"]["totalCount"] for e in answer["consultation"]["proposals"]["edges"]
    ]
    assert totals == [len(visible_bodies(p, "OLDEST")) for p in world["proposals"]] == [7, 0, 3]


def test_two_selections_of_one_list_keep_their_own_pages(gql, world):
    both = """{ consultation(agency: "pages-a", slug: "paged") {
      proposals(first: 1, orderBy: OLDEST) { edges { node {
        old: comments(first: 2, orderBy: OLDEST) { edges { node { body } } }
        new: comments(first: 2, orderBy: NEWEST) { edges { node { body } } }
        bare: comments(first: 2, orderBy: OLDEST) { edges { node { createdAt } } }
      } } } } }"""
    node = gql.ok(both)["consultation"]["proposals"]["edges"][0]["node"]
    proposal = world["proposals"][0]
    assert [e["node"]["body"] for e in node["old"]["edges"]] == visible_bodies(proposal, "OLDEST")[
        :2
    ]
    assert [e["node"]["body"] for e in node["new"]["edges"]] == visible_bodies(proposal, "NEWEST")[
        :2
    ]
    assert len(node["bare"]["edges"]) == 2 and "createdAt" in node["bare"]["edges"][0]["node"]


def test_replies_below_the_pages_are_still_prefetched_for_all(gql, world):
    nested = """{ consultation(agency: "pages-a", slug: "paged") {
      proposals(first: 10, orderBy: OLDEST) { edges { node {
        comments(first: 10) { edges { node { body parent { id }
          replies(first: 5) { totalCount edges { node { body parent { body } } } } } } }
      } } } } }"""
    gql.ok(nested)
    with CaptureQueriesContext(connection) as captured:
        answer = gql.ok(nested)
    statements = comment_statements(captured)
    assert len([sql for sql in statements if "_page_row" in sql]) == 1  # every page
    assert len([sql for sql in statements if '"parent_id" IN' in sql]) == 1  # every page's replies
    comments = answer["consultation"]["proposals"]["edges"][0]["node"]["comments"]["edges"]
    replied = next(c["node"] for c in comments if c["node"]["body"] == "ความเห็น 0")
    assert replied["replies"]["totalCount"] == 1
    assert replied["replies"]["edges"][0]["node"] == {
        "body": "คำตอบ",
        "parent": {"body": "ความเห็น 0"},
    }
    assert all(c["node"]["parent"] is None for c in comments)
