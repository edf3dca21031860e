"""The two benchmark operations of API.md: exact answers and a constant number of statements."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tokens import create_token
from bench.operations import COMMENT, LADDER, Q1, Q2, SUPPORT, proposal_gid
from cms.models import ConsultationPhase
from participation.models import Comment, Proposal, Support
from tests.factories import UserFactory, make_consultation

pytestmark = pytest.mark.django_db

BASE = timezone.now() - timedelta(days=3)


def seed(agency, n: int, citizens: list) -> None:
    """n proposals with 0-7 supports and 6 comments each, stored out of time order."""
    page = make_consultation(
        agency, "แผนรับมือโลกร้อน", slug="climate-plan", body=[("rich_text", "<p>ร่าง</p>")]
    )
    proposals = Proposal.objects.bulk_create(
        Proposal(
            agency_id=agency.pk,
            consultation=page,
            author=citizens[i % len(citizens)],
            title=f"ข้อเสนอ {i}",
            body=f"รายละเอียด {i}",
            created_at=BASE + timedelta(minutes=i),
            support_count=i % 8,
            comment_count=6,
        )
        for i in range(n)
    )
    Support.objects.bulk_create(
        Support(agency_id=agency.pk, proposal=p, user=citizens[k])
        for p in proposals
        for k in range(p.support_count)
    )
    Comment.objects.bulk_create(
        Comment(
            agency_id=agency.pk,
            consultation=page,
            proposal=p,
            author=citizens[(j + 1) % len(citizens)],
            body=f"ความเห็น {j} ของ {p.title}",
            created_at=BASE + timedelta(hours=1, minutes=(5 - j)),
        )
        for p in proposals
        for j in range(6)
    )


@pytest.fixture
def citizens(db):
    return [UserFactory(display_name=f"พลเมือง #{i:04d}") for i in range(8)]


def run(gql, query: str, agency: str = "agency-a"):
    # Steady state: the first request of a process also loads per-process caches (the agencies
    # that require trusted documents, Wagtail's site root paths), once.
    gql.ok(query, {"agency": agency, "slug": "climate-plan"})
    with CaptureQueriesContext(connection) as captured:
        data = gql.ok(query, {"agency": agency, "slug": "climate-plan"})
    return data, len(captured.captured_queries)


def test_q1_answer_and_orderings(gql, agency_a, agency_b, citizens):
    seed(agency_a, 12, citizens)
    seed(agency_b, 3, citizens)
    data, _ = run(gql, Q1)
    consultation = data["consultation"]
    assert consultation["title"] == "แผนรับมือโลกร้อน"
    assert consultation["body"] == [{"__typename": "RichTextBlock", "html": "<p>ร่าง</p>"}]
    proposals = consultation["proposals"]
    assert proposals["totalCount"] == 12
    nodes = [edge["node"] for edge in proposals["edges"]]
    expected = sorted(
        Proposal.objects.filter(agency=agency_a),
        key=lambda p: (-p.support_count, p.created_at, p.id),
    )
    assert [n["title"] for n in nodes] == [p.title for p in expected]
    assert [n["supportCount"] for n in nodes] == [p.support_count for p in expected]
    assert nodes[0]["author"]["displayName"].startswith("พลเมือง #")
    assert nodes[0]["status"] == "SUBMITTED"
    for node, proposal in zip(nodes, expected, strict=True):
        comments = [e["node"] for e in node["comments"]["edges"]]
        assert len(comments) == 5
        stored = Comment.objects.filter(proposal=proposal).order_by("created_at", "id")[:5]
        assert [c["body"] for c in comments] == [c.body for c in stored]


def test_q2_answer_newest_first(gql, agency_a, agency_b, citizens):
    seed(agency_a, 12, citizens)
    seed(agency_b, 3, citizens)
    data, _ = run(gql, Q2, "agency-b")
    proposals = data["consultation"]["proposals"]
    assert proposals["totalCount"] == 3
    titles = [e["node"]["title"] for e in proposals["edges"]]
    assert titles == ["ข้อเสนอ 2", "ข้อเสนอ 1", "ข้อเสนอ 0"]
    assert {e["node"]["commentCount"] for e in proposals["edges"]} == {6}


# Exact counts (the targets are Q1 <= 5, Q2 <= 4): agency + consultation in one statement, its
# phases, the proposals page with its total as a subquery, the comments window (Q1 only).
@pytest.mark.parametrize("query, expected", [(Q1, 4), (Q2, 2)])
def test_statement_count_is_constant(gql, agency_a, agency_b, citizens, query, expected):
    seed(agency_a, 10, citizens)
    seed(agency_b, 200, citizens)
    _, small = run(gql, query, "agency-a")
    _, large = run(gql, query, "agency-b")
    assert small == large, f"{small} statements for 10 proposals, {large} for 200"
    assert large == expected


@pytest.mark.parametrize("step", list(LADDER)[1:])
def test_each_step_of_the_profiling_ladder_is_a_part_of_q1(gql, agency_a, citizens, step):
    """bench/inprocess.py --ladder times Q1 built up step by step: each step must answer, and
    with the same values Q1 answers for the fields they share."""
    seed(agency_a, 3, citizens)
    variables = {"agency": "agency-a", "slug": "climate-plan"}
    part = gql.ok(LADDER[step], variables)["consultation"]
    whole = gql.ok(Q1, variables)["consultation"]

    def within(small, large):
        if isinstance(small, dict):
            return all(within(v, large[k]) for k, v in small.items() if k != "__typename")
        if isinstance(small, list):
            return len(small) == len(large) and all(map(within, small, large))
        return small == large

    assert part["title"] == whole["title"] and within(part, whole)


def write(gql, token: str, query: str, variables: dict) -> tuple[dict, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        data = gql.ok(query, variables, headers={"Authorization": f"Bearer {token}"})
    return data, [q["sql"] for q in captured.captured_queries]


# The benchmark's writes, each by a citizen seen for the first time (so the token's last_used_at
# is written too): token, last_used_at, roles, the proposal under its lock with its
# consultation and publicity, the consultation's phases, the insert, the counter, the
# transaction's two ends (BEGIN/COMMIT, or a savepoint inside a test's transaction); a comment
# is then read back through the visibility rule.
@pytest.mark.parametrize("operation", ["support", "comment"])
def test_the_benchmark_writes_take_a_fixed_number_of_statements(gql, agency_a, citizens, operation):
    seed(agency_a, 3, citizens)
    # Six days on: the proposals phase runs (supports and comments are open).
    ConsultationPhase.objects.filter(agency=agency_a).update(
        starts_at=F("starts_at") - timedelta(days=6), ends_at=F("ends_at") - timedelta(days=6)
    )
    tokens = [create_token(citizen, "bench")[1] for citizen in citizens]
    proposal = Proposal.objects.filter(agency=agency_a).order_by("pk").first()
    variables = (
        {"id": proposal_gid(proposal.pk)}
        if operation == "support"
        else {"p": proposal_gid(proposal.pk), "body": "ขอทางจักรยานริมคลอง"}
    )
    query = SUPPORT if operation == "support" else COMMENT
    write(gql, tokens[0], query, variables)  # per-process caches, once
    data, statements = write(gql, tokens[1], query, variables)
    assert next(iter(data.values()))["errors"] == []
    assert len(statements) == {"support": 9, "comment": 10}[operation], "\n".join(statements)
