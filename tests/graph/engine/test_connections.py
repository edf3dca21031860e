"""Pages count their total with a subquery, not a window over every row
(graph/engine/connections.py)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.phases import PhaseKind
from participation.models import Proposal
from tests.factories import UserFactory, make_agency, make_consultation
from tests.module_data import rolled_back
from tests.participation.conftest import make_comment, make_proposal, phases_with_current

pytestmark = pytest.mark.django_db

PAGE = """query Page($first: Int, $after: String, $last: Int, $before: String) {
  consultation(agency: "count-a", slug: "counted") {
    proposals(first: $first, after: $after, last: $last, before: $before, orderBy: OLDEST) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { title } }
    }
  }
}"""


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        agency = make_agency("count-a", name_th="นับ", name_en="Count")
        page = make_consultation(
            agency, "นับจำนวน", "counted", phases=phases_with_current(PhaseKind.PROPOSALS)
        )
        author, other = UserFactory(), UserFactory()
        titles = []
        for i in range(7):
            hidden = i in (2, 5)
            proposal = make_proposal(page, author if i != 5 else other, title=f"ข้อ {i}")
            if hidden:
                Proposal.objects.filter(pk=proposal.pk).update(is_hidden=True)
            else:
                titles.append(f"ข้อ {i}")
            make_comment(page, other, proposal, body=f"ความเห็น {i}")
        yield {"author": author, "visible": titles}


def page(gql, **variables) -> dict:
    return gql.ok(PAGE, variables)["consultation"]["proposals"]


def titles(result: dict) -> list[str]:
    return [edge["node"]["title"] for edge in result["edges"]]


def test_the_page_query_has_no_window_count(gql, world):
    gql.ok(PAGE, {"first": 2})
    with CaptureQueriesContext(connection) as captured:
        result = page(gql, first=2)
    (proposals_sql,) = [q["sql"] for q in captured if "participation_proposal" in q["sql"]]
    assert " OVER " not in proposals_sql.upper()
    # The subquery counts rows, not ids: the partial index of visible proposals answers
    # COUNT(*) by itself (an index-only scan), COUNT(id) reads every row of the list.
    assert "COUNT(*)" in proposals_sql.upper()
    assert result["totalCount"] == 5
    assert titles(result) == world["visible"][:2]


@pytest.mark.parametrize(
    "variables, expected, total",
    [
        ({"first": 2}, slice(0, 2), 5),
        ({"first": 10}, slice(0, 5), 5),
        ({"first": 2, "after": "YXJyYXljb25uZWN0aW9uOjE="}, slice(2, 4), 5),  # after offset 1
        ({"first": 2, "after": "YXJyYXljb25uZWN0aW9uOjQ="}, slice(5, 5), 5),  # past the end
        ({"last": 2}, slice(3, 5), 5),
        ({"last": 2, "before": "YXJyYXljb25uZWN0aW9uOjM="}, slice(1, 3), 5),
    ],
    ids=["first", "first-all", "after", "empty-page", "last", "last-before"],
)
def test_pages_and_totals_match_the_visible_rows(gql, world, variables, expected, total):
    result = page(gql, **variables)
    assert titles(result) == world["visible"][expected]
    assert result["totalCount"] == total


def test_the_total_follows_the_viewers_visibility(gql, world):
    """The author also sees their own hidden proposal: the subquery applies the same rule."""
    assert page(gql, first=1)["totalCount"] == 5
    gql.login(world["author"])
    assert page(gql, first=1)["totalCount"] == 6


def test_cursors_and_page_info_are_strawberrys(gql, world):
    first = page(gql, first=2)
    assert first["pageInfo"] == {
        "hasNextPage": True,
        "hasPreviousPage": False,
        "startCursor": "YXJyYXljb25uZWN0aW9uOjA=",
        "endCursor": "YXJyYXljb25uZWN0aW9uOjE=",
    }
    rest = page(gql, first=10, after=first["pageInfo"]["endCursor"])
    assert titles(rest) == world["visible"][2:]
    assert rest["pageInfo"]["hasNextPage"] is False
    assert rest["pageInfo"]["hasPreviousPage"] is True
