"""Drafts, unpublished and private pages never reach the public, by any path."""

from __future__ import annotations

import pytest
from strawberry.relay import to_base64
from wagtail.models import PageViewRestriction

from tests.factories import make_consultation

pytestmark = pytest.mark.django_db

EVERY_PATH = """
query ($agency: String!, $slug: String!, $path: String!, $id: ID!) {
  consultations { totalCount edges { node { slug } } }
  scoped: consultations(agency: $agency) { totalCount edges { node { slug } } }
  agency(slug: $agency) { consultations { totalCount edges { node { slug } } } }
  consultation(agency: $agency, slug: $slug) { slug }
  page(agency: $agency, path: $path) { slug }
  node(id: $id) { id }
}
"""


def ask(gql, slug: str, page_id: int) -> dict:
    return gql.ok(
        EVERY_PATH,
        {
            "agency": "agency-a",
            "slug": slug,
            "path": f"/consultations/{slug}/",
            "id": to_base64("Consultation", page_id),
        },
    )


def assert_invisible(data: dict) -> None:
    for key in ("consultations", "scoped"):
        assert data[key] == {"totalCount": 0, "edges": []}
    assert data["agency"]["consultations"] == {"totalCount": 0, "edges": []}
    assert data["consultation"] is None
    assert data["page"] is None
    assert data["node"] is None


def test_draft_is_invisible(gql, agency_a, editor_a):
    page = make_consultation(agency_a, "ร่าง", slug="draft", live=False)
    assert_invisible(ask(gql, "draft", page.pk))
    # Signing in as the agency's editor does not reveal drafts either: only preview tokens do.
    assert_invisible(ask(gql.login(editor_a), "draft", page.pk))


def test_unpublished_page_is_invisible(gql, agency_a):
    page = make_consultation(agency_a, "ถอน", slug="gone")
    page.unpublish()
    assert_invisible(ask(gql, "gone", page.pk))


@pytest.mark.parametrize("restriction", ["login", "password", "groups"])
def test_private_page_is_invisible(gql, agency_a, restriction):
    page = make_consultation(agency_a, "ลับ", slug="private")
    PageViewRestriction.objects.create(page=page, restriction_type=restriction, password="x")
    assert_invisible(ask(gql, "private", page.pk))


def test_restriction_on_an_ancestor_hides_descendants(gql, agency_a):
    page = make_consultation(agency_a, "ใต้ดัชนีลับ", slug="under")
    PageViewRestriction.objects.create(page=page.get_parent(), restriction_type="login")
    assert_invisible(ask(gql, "under", page.pk))


def test_published_page_is_visible_everywhere(gql, agency_a):
    page = make_consultation(agency_a, "เปิดเผย", slug="public")
    data = ask(gql, "public", page.pk)
    assert data["consultations"]["totalCount"] == 1
    assert data["agency"]["consultations"]["totalCount"] == 1
    assert data["consultation"] == {"slug": "public"}
    assert data["page"] == {"slug": "public"}
    assert data["node"] == {"id": to_base64("Consultation", page.pk)}


def test_other_agencys_pages_never_in_a_scoped_list(gql, agency_a, agency_b):
    make_consultation(agency_a, "A", slug="only-a")
    make_consultation(agency_b, "B", slug="only-b")
    for headers, expected in (
        ({"X-Agency": "agency-a"}, ["only-a"]),
        ({"X-Agency": "agency-b"}, ["only-b"]),
    ):
        got = gql.ok(
            "{ consultations { edges { node { slug agency { slug } } } } }", headers=headers
        )
        assert [e["node"]["slug"] for e in got["consultations"]["edges"]] == expected


def test_node_of_a_draft_other_page_types_is_null(gql, agency_a):
    from cms.models import InformationPage

    home = agency_a.site.root_page
    info = home.add_child(instance=InformationPage(title="เกี่ยวกับ", slug="about", live=False))
    assert gql.ok(
        "query ($id: ID!) { node(id: $id) { id } }", {"id": to_base64("InformationPage", info.pk)}
    ) == {"node": None}
    got = gql.ok('{ page(agency: "agency-a", path: "/about/") { title } }')
    assert got == {"page": None}
