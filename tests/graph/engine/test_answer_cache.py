"""The anonymous answer cache (graph/engine/answer_cache.py): hits, keys, bypasses,
invalidation."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import Client
from strawberry.relay import to_base64

from accounts.tokens import create_token
from cms.phases import PhaseKind
from permissions.roles import Role
from tests.factories import UserFactory, make_consultation
from tests.participation.conftest import make_proposal, phases_with_current

pytestmark = pytest.mark.django_db

READ = """query Page($agency: String!, $slug: String!) {
  consultation(agency: $agency, slug: $slug) {
    title
    proposals(first: 10, orderBy: NEWEST) {
      totalCount
      edges { node { id title supportCount commentCount } }
    }
  }
}"""
SUPPORT = "mutation ($id: ID!) { supportProposal(id: $id) { errors { code } } }"
COMMENT = """mutation ($p: ID!, $body: String!) {
  addComment(proposalId: $p, body: $body) { errors { code } } }"""
HIDE = """mutation ($id: ID!, $reason: String!) {
  hideContent(id: $id, reason: $reason) { errors { code } } }"""


@pytest.fixture(autouse=True)
def answer_cache_on(settings):
    settings.GRAPHQL = {**settings.GRAPHQL, "ANSWER_CACHE_SECONDS": 30}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def page(agency_a):
    phases = phases_with_current(PhaseKind.SUPPORT)
    return make_consultation(agency_a, "แผนเดิม", slug="climate-plan", phases=phases)


@pytest.fixture
def proposal(page):
    return make_proposal(page, UserFactory())


def post(query, variables=None, *, client=None, **headers):
    client = client or Client(HTTP_HOST="localhost")
    response = client.post(
        "/graphql/",
        json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        **headers,
    )
    return response.status_code, json.loads(response.content), response.get("X-Answer-Cache")


def read(**kwargs):
    return post(READ, {"agency": "agency-a", "slug": "climate-plan"}, **kwargs)


def as_citizen(query, variables, user=None):
    _, raw = create_token(user or UserFactory())
    status, body, header = post(query, variables, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert status == 200 and not body.get("errors"), body
    assert header == "bypass"
    return body["data"]


def node(body):
    return body["data"]["consultation"]["proposals"]["edges"][0]["node"]


def test_repeat_is_a_hit_with_the_same_answer(proposal):
    status, first, header = read()
    assert (status, header) == (200, "miss")
    status, second, header = read()
    assert (status, header) == (200, "hit")
    assert second == first
    assert node(second)["title"] == proposal.title


def test_variables_agency_and_language_are_separate_entries(proposal, agency_b):
    assert read()[2] == "miss"
    assert read()[2] == "hit"
    assert post(READ, {"slug": "climate-plan", "agency": "agency-a"})[2] == "hit"  # canonical
    assert post(READ, {"agency": "agency-a", "slug": "other"})[2] == "miss"
    assert read(HTTP_X_AGENCY="agency-b")[2] == "miss"
    assert read(HTTP_HOST="agency-b.localhost")[2] == "miss"
    assert read(HTTP_ACCEPT_LANGUAGE="en")[2] == "miss"
    assert read(HTTP_ACCEPT_LANGUAGE="en")[2] == "hit"


def test_signed_in_viewers_bypass(proposal):
    read()
    user = UserFactory()
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    assert read(client=client)[2] == "bypass"
    _, raw = create_token(user)
    assert read(HTTP_AUTHORIZATION=f"Bearer {raw}")[2] == "bypass"


def test_support_is_visible_on_the_next_read(proposal):
    assert node(read()[1])["supportCount"] == 0
    assert read()[2] == "hit"
    as_citizen(SUPPORT, {"id": to_base64("Proposal", proposal.pk)})
    _, body, header = read()
    assert header == "miss"
    assert node(body)["supportCount"] == 1


def test_comment_is_visible_on_the_next_read(proposal):
    assert node(read()[1])["commentCount"] == 0
    read()
    as_citizen(COMMENT, {"p": to_base64("Proposal", proposal.pk), "body": "เห็นด้วย"})
    assert node(read()[1])["commentCount"] == 1


def test_hiding_is_visible_on_the_next_read(proposal, make_member, agency_a):
    assert read()[1]["data"]["consultation"]["proposals"]["totalCount"] == 1
    assert read()[2] == "hit"
    moderator = make_member(agency_a, Role.MODERATOR)
    data = as_citizen(HIDE, {"id": to_base64("Proposal", proposal.pk), "reason": "สแปม"}, moderator)
    assert data["hideContent"]["errors"] == []
    assert read()[1]["data"]["consultation"]["proposals"]["totalCount"] == 0


def test_publishing_is_visible_on_the_next_read(page):
    assert read()[1]["data"]["consultation"]["title"] == "แผนเดิม"
    assert read()[2] == "hit"
    page.title = "แผนใหม่"
    page.save_revision().publish()
    assert read()[1]["data"]["consultation"]["title"] == "แผนใหม่"
    page.unpublish()
    assert read()[1]["data"]["consultation"] is None


def test_a_direct_row_write_invalidates(proposal):
    read()
    proposal.title = "แก้ไขแล้ว"
    proposal.save()
    assert node(read()[1])["title"] == "แก้ไขแล้ว"


def test_answers_with_errors_are_not_stored(proposal):
    bad = "{ consultation(agency: 1) { nope } }"
    _, body, header = post(bad)
    assert body["errors"] and header == "bypass"
    assert post(bad)[2] == "bypass"


def test_mutations_bypass(proposal):
    header = post(SUPPORT, {"id": to_base64("Proposal", proposal.pk)})[2]
    assert header == "bypass"


def test_setting_zero_disables(settings, proposal):
    settings.GRAPHQL = {**settings.GRAPHQL, "ANSWER_CACHE_SECONDS": 0}
    assert read()[2] == "bypass"
    assert read()[2] == "bypass"


class CountingCache:
    """The answer cache's view of the cache, counting its calls (a round trip each on Redis)."""

    def __init__(self, real) -> None:
        self.real = real
        self.calls: list[tuple[str, object]] = []

    def __getattr__(self, name):
        method = getattr(self.real, name)

        def counted(*args, **kwargs):
            self.calls.append((name, args[0] if args else None))
            return method(*args, **kwargs)

        return counted


@pytest.fixture
def counting(monkeypatch) -> CountingCache:
    from graph.engine import answer_cache

    wrapper = CountingCache(answer_cache.cache)
    monkeypatch.setattr(answer_cache, "cache", wrapper)
    return wrapper


def test_a_hit_reads_the_version_and_the_answer_in_one_call(proposal, counting):
    assert read()[2] == "miss"
    counting.calls.clear()
    assert read()[2] == "hit"
    assert [name for name, _ in counting.calls] == ["get_many"]


def test_an_answer_stored_under_another_version_is_not_served(proposal, counting):
    _, fresh, header = read()
    assert header == "miss"
    key = next(keys[1] for name, keys in counting.calls if name == "get_many")
    # What a read that raced a write leaves behind: its answer with the version it started with.
    cache.set(key, ("a-replaced-version", b'{"data": {"consultation": null}}'), 30)
    _, body, header = read()
    assert header == "miss" and body == fresh
    assert read()[2] == "hit"
