"""The fast executor (graph/engine/executor.py) answers exactly as graphql-core's own path does.

Every document runs twice through the endpoint, once with trivial fields read directly and once
with the fast path switched off, for several viewers, and the two JSON answers must be equal
byte for byte: values, nulls, errors and key order. A spy proves the fast path was taken.
"""

from __future__ import annotations

import gc
import json
import weakref
from base64 import b64encode
from enum import Enum

import pytest
import strawberry
from graphql import GraphQLObjectType
from strawberry.extensions import SchemaExtension

from bench.operations import Q1, Q2
from cms.phases import PhaseKind
from graph.engine import executor as execution
from graph.engine import selection_completion as one_call
from graph.engine.executor import ROW_RESOLVER, FastExecutionContext, plan_field
from graph.schema import schema
from participation import services
from participation.models import ProposalStatus
from perf.db.row_loading import ListAware
from permissions.memberships import grant_role
from permissions.roles import Role
from tests.factories import UserFactory, make_agency, make_consultation
from tests.graph.test_security_limits import RICH_PAGE
from tests.module_data import rolled_back
from tests.participation.conftest import make_comment, make_proposal, phases_with_current

pytestmark = pytest.mark.django_db

SHAPES = """query Shapes($agency: String!, $slug: String!, $withBody: Boolean!) {
  consultation(agency: $agency, slug: $slug) {
    __typename
    ...Head
    renamed: title
    proposals(first: 10, orderBy: NEWEST) {
      edges { cursor node {
        __typename pk: id
        title @include(if: $withBody)
        body @skip(if: $withBody)
        ... on Proposal { status commentCount isHidden updatedAt }
        ...Who
        viewerHasSupported
        moderation { isHidden reason hiddenAt }
        officialResponse { text newStatus previousStatus agencyName createdAt }
        consultation { slug }
        comments(first: 10, orderBy: NEWEST) {
          pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
          edges { node {
            id body alignment isDeleted isHidden depth editedAt
            author { displayName } again: author { displayName }
            parent { id }
            proposal { title }
            moderation { isHidden reason }
            replies(first: 5) { totalCount edges { node { id body depth parent { id } } } }
          } }
        }
      } }
    }
  }
}
fragment Head on Consultation { id slug urlPath seoTitle searchDescription agency { slug name } }
fragment Who on Proposal { author { __typename displayName } }"""


def gid(kind: str, pk: int) -> str:
    return b64encode(f"{kind}:{pk}".encode()).decode()


def build_world() -> dict:
    """Rows in every state the fast path could meet: hidden, deleted, replies, responses."""
    agency_a = make_agency("agency-a", name_th="กรมทรัพยากรน้ำ", name_en="Water")
    agency_b = make_agency("agency-b", name_th="กรมควบคุมมลพิษ", name_en="Pollution")
    phases = phases_with_current(PhaseKind.PROPOSALS)
    page = make_consultation(agency_a, "แผนรับมือโลกร้อน", "climate-plan", phases=phases)
    other = make_consultation(agency_b, "B", "climate-plan", phases=phases)
    citizens = [UserFactory(display_name=f"พลเมือง #{i}") for i in range(4)]
    nameless = UserFactory(display_name="")
    moderator, responder = UserFactory(), UserFactory()
    grant_role(agency_a, moderator, Role.MODERATOR)
    grant_role(agency_a, responder, Role.RESPONDER)
    proposals = [
        make_proposal(page, citizens[i % 4], title=f"ข้อเสนอ {i}", support_count=i % 3)
        for i in range(6)
    ]
    make_proposal(page, nameless, title="ไม่มีชื่อ")
    make_proposal(page, citizens[0], title="ซ่อน", is_hidden=True, hidden_reason="spam")
    make_proposal(other, citizens[1], title="B's proposal")
    services.respond_to_proposal(
        responder, proposals[0], status=ProposalStatus.ACCEPTED, text="รับไว้พิจารณา"
    )
    for index, proposal in enumerate(proposals[:3]):
        top = make_comment(page, citizens[index], proposal, body=f"ความเห็น {index}")
        make_comment(page, citizens[3], proposal, parent=top, body="ตอบกลับ")
        make_comment(page, citizens[2], proposal, body="ลบแล้ว", is_deleted=True)
        make_comment(page, citizens[1], proposal, body="ซ่อนแล้ว", is_hidden=True)
    return {"citizen": citizens[0], "moderator": moderator, "proposals": proposals}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        yield build_world()


def answer(gql, query: str, variables: dict, *, fast: bool, monkeypatch) -> bytes:
    monkeypatch.setattr(FastExecutionContext, "enabled", fast)
    payload = json.dumps({"query": query, "variables": variables})
    response = gql.client.post("/graphql/", payload, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.content


def spy_fast_paths(monkeypatch) -> list[str]:
    """Records each fast read of an object field and each one-call completion of an object."""
    reads: list[str] = []
    original = FastExecutionContext._read
    monkeypatch.setattr(
        FastExecutionContext, "_read", lambda self, *a: reads.append("read") or original(self, *a)
    )
    build = one_call.completer

    def spied(steps):
        complete = build(steps)
        return lambda row: reads.append("one call") or complete(row)

    monkeypatch.setattr(one_call, "completer", spied)
    return reads


DOCUMENTS = {
    "Q1": (Q1, {}),
    "Q2": (Q2, {}),
    "rich-page": (RICH_PAGE, {}),
    "shapes": (SHAPES, {"withBody": True}),
    "shapes-skip": (SHAPES, {"withBody": False}),
}


@pytest.mark.parametrize("viewer", ["anonymous", "citizen", "moderator"])
@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_answers_are_identical_with_and_without_the_fast_path(
    gql, world, monkeypatch, viewer, name
):
    if viewer != "anonymous":
        gql.login(world[viewer])
    document, extra = DOCUMENTS[name]
    variables = {"agency": "agency-a", "slug": "climate-plan", **extra}
    reads = spy_fast_paths(monkeypatch)
    slow = answer(gql, document, variables, fast=False, monkeypatch=monkeypatch)
    assert not reads
    fast = answer(gql, document, variables, fast=True, monkeypatch=monkeypatch)
    assert reads, "the fast path was never taken"
    assert fast == slow
    assert b'"errors"' not in fast


def test_node_and_viewer_answers_are_identical(gql, world, monkeypatch):
    gql.login(world["moderator"])
    nodes = " ".join(
        f'n{i}: node(id: "{gid("Proposal", p.pk)}") '
        "{ id ... on Proposal { title author { displayName } } }"
        for i, p in enumerate(world["proposals"])
    )
    document = (
        f"{{ {nodes} viewer {{ displayName email isSuperuser roles {{ agencySlug role }} }} "
        "agencies(first: 5) { edges { node { id slug nameTh nameEn } } } }"
    )
    slow = answer(gql, document, {}, fast=False, monkeypatch=monkeypatch)
    fast = answer(gql, document, {}, fast=True, monkeypatch=monkeypatch)
    assert fast == slow
    assert json.loads(fast)["data"]["n0"]["title"] == "ข้อเสนอ 0"


def field_plan(type_name: str, field_name: str):
    graphql_type = schema._schema.type_map[type_name]
    assert isinstance(graphql_type, GraphQLObjectType)
    return plan_field(graphql_type, graphql_type.fields[field_name])


@pytest.mark.parametrize(
    "type_name, field_name",
    [
        ("Proposal", "id"),
        ("Proposal", "title"),
        ("Proposal", "status"),
        ("Proposal", "createdAt"),
        ("Proposal", "author"),
        ("Comment", "body"),
        ("Comment", "author"),
        ("Participant", "displayName"),
        ("ProposalEdge", "node"),
        ("ProposalConnection", "edges"),  # a list of plain objects
        ("Proposal", "officialResponses"),  # a list from a resolver of the row alone
        ("Consultation", "phases"),
        ("Proposal", "comments"),  # a row resolver: called directly, with its arguments
    ],
)
def test_trivial_fields_have_a_plan(type_name, field_name):
    assert field_plan(type_name, field_name) is not None


@pytest.mark.parametrize(
    "type_name, field_name, why",
    [
        ("Proposal", "viewerCan", "reads the viewer"),
        ("Proposal", "moderation", "reads the viewer (permission check)"),
        ("Proposal", "consultation", "reads the request context"),
        ("Consultation", "topics", "a list of scalars"),
        ("Consultation", "proposals", "a relation list: its type's get_queryset applies"),
        ("Comment", "parent", "a relation: its type's get_queryset applies"),
        ("Comment", "replies", "takes arguments"),
        ("Consultation", "body", "reads the request context"),
        ("Consultation", "status", "reads the request clock"),
        ("Query", "consultation", "a root field with arguments"),
    ],
)
def test_fields_that_depend_on_more_than_the_row_have_no_plan(type_name, field_name, why):
    assert field_plan(type_name, field_name) is None, why


# --- a small schema of its own: errors and null propagation on both paths ------------------


@strawberry.enum
class Tone(Enum):
    SOFT = "soft"
    LOUD = "loud"


def item_tag(root: Item) -> str:
    """A resolver of the row through `root` alone (no self): its row passed by name."""
    return f"#{root.name}"


@strawberry.type
class Item:
    name: str | None
    label: str
    tag: str = strawberry.field(resolver=item_tag)

    @strawberry.field(metadata={ROW_RESOLVER: True})
    def say(self, info: strawberry.Info, times: int = 1, tone: Tone = Tone.SOFT) -> str:
        """A row resolver: arguments converted (an enum member), info given, errors raised."""
        if times < 0:
            raise ValueError("times must not be negative")
        assert isinstance(tone, Tone) and info.field_name == "say"
        text = (self.label or "") * times
        return text.upper() if tone is Tone.LOUD else text

    @strawberry.field
    def shout(self) -> str:
        if self.label == "boom":
            raise ValueError("resolver failed")
        return self.label.upper()

    @strawberry.field
    def child(self) -> Item | None:
        return Item(name=None, label="boom") if self.label == "parent" else None


@strawberry.type
class ItemQuery:
    @strawberry.field
    def items(self) -> list[Item] | None:
        return [
            Item(name="a", label="ok"),
            Item(name=None, label=None),
            Item(name="c", label="boom"),
        ]

    @strawberry.field
    def parent(self) -> Item:
        return Item(name="p", label="parent")

    @strawberry.field
    def loose(self) -> list[Item | None]:
        """Nullable items: an item whose non-null field fails is null, the others stay."""
        return [Item(name="a", label="ok"), Item(name="b", label=None), None]

    @strawberry.field
    def holes(self) -> list[Item] | None:
        """A null where an item may not be: graphql-core's error, the list null."""
        return [Item(name="a", label="ok"), None]

    @strawberry.field
    def strangers(self) -> list[Item] | None:
        """Not Items at all (no is_type_of here): read like any object."""
        return [Item(name="x", label="ok")]


ITEMS = (
    "{ items { name label shout tag } parent { __typename name child { label shout name } } "
    "loose { name label } holes { name } strangers { __typename label } }"
)


def run_small(fast: bool, monkeypatch, extensions=()) -> dict:
    monkeypatch.setattr(FastExecutionContext, "enabled", fast)
    small = strawberry.Schema(
        query=ItemQuery, execution_context_class=FastExecutionContext, extensions=list(extensions)
    )
    result = small.execute_sync(ITEMS)
    return {
        "data": result.data,
        "errors": sorted((e.message, tuple(e.path or ())) for e in result.errors or []),
    }


def spy_outcomes(monkeypatch) -> list[tuple[str, object]]:
    """("answered" | "refused", row) for every one-call completion of an object."""
    outcomes: list[tuple[str, object]] = []
    build = one_call.completer

    def spied(steps):
        complete = build(steps)

        def run(row):
            try:
                answer = complete(row)
            except Exception:
                outcomes.append(("refused", row))
                raise
            outcomes.append(("answered", row))
            return answer

        return run

    monkeypatch.setattr(one_call, "completer", spied)
    return outcomes


def test_plain_selections_complete_in_one_call_and_refusals_take_the_general_path(monkeypatch):
    slow = run_small(False, monkeypatch)
    outcomes = spy_outcomes(monkeypatch)
    fast = run_small(True, monkeypatch)
    assert fast == slow
    seen = {
        (outcome, getattr(row, "name", None), getattr(row, "label", None))
        for outcome, row in outcomes
    }
    # The root selection reads only resolvers of the row, so it is tried first and refused
    # (an item below it fails); each item is then tried on its own.
    assert ("refused", None, None) in seen  # the root value
    assert ("answered", "a", "ok") in seen
    assert ("refused", None, None) in seen  # items[1]: null for the non-null `label`
    # (which nulls the whole list, so items[2] never runs)
    assert not any(name == "c" for _, name, _ in seen)
    assert ("refused", "b", None) in seen  # loose[1]
    assert ("answered", "x", "ok") in seen  # strangers: no is_type_of, read like any object
    # `parent { child }`: the child's `shout` raises, so the child is refused, and with it
    # the parent; graphql-core's path nulls `child` with its error, as compared above.
    assert ("refused", None, "boom") in seen
    assert ("refused", "p", "parent") in seen


def test_q1_comment_pages_and_authors_complete_in_one_call(gql, world, monkeypatch):
    outcomes = spy_outcomes(monkeypatch)
    variables = {"agency": "agency-a", "slug": "climate-plan"}
    data = json.loads(answer(gql, Q1, variables, fast=True, monkeypatch=monkeypatch))["data"]
    assert outcomes and all(outcome == "answered" for outcome, _ in outcomes)
    kinds = [type(row).__name__ for _, row in outcomes]
    proposals = [edge["node"] for edge in data["consultation"]["proposals"]["edges"]]
    comments = [e["node"] for p in proposals for e in p["comments"]["edges"]]
    assert len(proposals) == 7 and len(comments) == 6  # world: some comments deleted
    assert kinds.count("DjangoListConnection") == len(proposals)  # each comment page
    assert kinds.count("Comment") == len(comments)
    authors = [row for row in (*proposals, *comments) if row["author"] is not None]
    assert kinds.count("User") == len(authors)
    assert "Proposal" not in kinds  # a proposal's `comments` is a row resolver: the executor


def test_row_resolvers_are_called_positionally_when_every_parameter_is_the_row():
    small = strawberry.Schema(query=ItemQuery)._schema
    item = small.type_map["Item"]
    assert plan_field(item, item.fields["shout"]).read.__name__ == "read"  # (self)
    assert plan_field(item, item.fields["tag"]).read.__name__ == "read_by_name"  # (root)
    assert field_plan("Comment", "body").read.__name__ == "read"  # (self, root)


def test_errors_and_null_propagation_match_graphql_core(monkeypatch):
    slow = run_small(False, monkeypatch)
    fast = run_small(True, monkeypatch)
    assert fast == slow
    messages = [message for message, _ in fast["errors"]]
    assert "resolver failed" in messages  # a raising resolver: same message and path
    assert any("Cannot return null for non-nullable field Item.label" in m for m in messages)
    assert fast["data"]["items"] is None  # a null in a non-null item nulls the nullable list
    assert fast["data"]["parent"]["child"] is None  # the error nulls the nullable parent
    assert fast["data"]["loose"] == [{"name": "a", "label": "ok"}, None, None]
    assert fast["data"]["holes"] is None
    assert any("Cannot return null for non-nullable field ItemQuery.holes" in m for m in messages)


SAYS = """query Says($n: Int!) {
  strangers { twice: say(times: $n, tone: LOUD) once: say plain: say(times: 1, tone: SOFT) }
  loose { say(times: -1) }
}"""


def test_row_resolvers_answer_as_strawberry_does_with_arguments_converted_once(monkeypatch):
    def run(fast: bool) -> tuple:
        monkeypatch.setattr(FastExecutionContext, "enabled", fast)
        small = strawberry.Schema(query=ItemQuery, execution_context_class=FastExecutionContext)
        result = small.execute_sync(SAYS, variable_values={"n": 2})
        return result.data, sorted((e.message, tuple(e.path)) for e in result.errors or [])

    conversions = []
    convert = execution.convert_arguments
    monkeypatch.setattr(
        execution, "convert_arguments", lambda *a, **k: conversions.append(1) or convert(*a, **k)
    )
    slow, fast = run(False), run(True)
    assert fast == slow
    data, errors = fast
    assert data["strangers"] == [{"twice": "OKOK", "once": "ok", "plain": "ok"}]
    assert data["loose"] == [None, None, None]  # each item's non-null `say` failed
    assert errors[0] == ("times must not be negative", ("loose", 0, "say"))
    # Three selections of `say` on one row, one on each of two rows of `loose`: four nodes,
    # each converted once (the second `loose` row reuses its node's arguments).
    assert len(conversions) == 4


class ResolveHook(SchemaExtension):
    def resolve(self, _next, root, info, *args, **kwargs):
        return _next(root, info, *args, **kwargs)


def test_any_other_resolve_hook_switches_the_fast_path_off(monkeypatch):
    reads = []
    original = FastExecutionContext._read
    monkeypatch.setattr(
        FastExecutionContext, "_read", lambda self, *a: reads.append(1) or original(self, *a)
    )
    run_small(True, monkeypatch, extensions=[ResolveHook])
    assert not reads
    run_small(True, monkeypatch)
    assert reads


def test_plans_are_computed_once_per_type_and_field(gql, world, monkeypatch):
    calls = []
    original = execution.plan_field
    monkeypatch.setattr(execution, "plan_field", lambda *a: calls.append(a) or original(*a))
    execution._PLANS.clear()
    variables = {"agency": "agency-a", "slug": "climate-plan"}
    answer(gql, Q1, variables, fast=True, monkeypatch=monkeypatch)
    first = len(calls)
    assert first > 0
    answer(gql, Q1, variables, fast=True, monkeypatch=monkeypatch)
    assert len(calls) == first


def test_a_finished_execution_is_freed_without_the_cycle_collector(gql, world, monkeypatch):
    """The executor, the request's Context and the rows loaded go with their last reference:
    left in reference cycles they cost Q1 a collection every few requests."""
    executors: list[weakref.ref] = []
    contexts: list[weakref.ref] = []
    rows: list[weakref.ref] = []
    init = FastExecutionContext.__init__

    def spied(self, *args, **kwargs):
        init(self, *args, **kwargs)
        executors.append(weakref.ref(self))
        contexts.append(weakref.ref(self.context_value))

    monkeypatch.setattr(FastExecutionContext, "__init__", spied)
    fetch_all = ListAware._fetch_all

    def remembered(queryset):
        fetch_all(queryset)
        rows.extend(weakref.ref(row) for row in queryset._result_cache or ())

    monkeypatch.setattr(ListAware, "_fetch_all", remembered)
    variables = {"agency": "agency-a", "slug": "climate-plan"}
    gc.collect()
    gc.disable()
    try:
        body = answer(gql, Q1, variables, fast=True, monkeypatch=monkeypatch)
        assert len(executors) == 1
        assert executors[0]() is None
        assert contexts[0]() is None
        assert len(rows) > 7  # the consultation, its proposals, their comments
        assert [ref() for ref in rows if ref() is not None] == []
    finally:
        gc.enable()
    assert b'"errors"' not in body
