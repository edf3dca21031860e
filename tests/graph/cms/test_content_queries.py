"""The content API through the HTTP endpoint, with exact answers."""

from __future__ import annotations

import pytest
from wagtail.models import PageViewRestriction

from tests.factories import make_consultation, make_document, make_image

pytestmark = pytest.mark.django_db

CONSULTATION = """
query ($agency: String!, $slug: String!) {
  consultation(agency: $agency, slug: $slug) {
    id title slug urlPath intro status seoTitle
    agency { slug name }
    phases { title kind isCurrent }
    currentPhase { kind }
    topics
    heroImage { alt width height url(spec: "fill-100x50") }
    body {
      __typename
      ... on HeadingBlock { text level }
      ... on RichTextBlock { html }
      ... on ImageBlock { alt caption image { alt width height url(spec: "width-320") } }
      ... on QuoteBlock { text attribution }
      ... on DocumentBlock { title document { title url fileSize fileExtension } }
      ... on EmbedBlock { url html fetched }
      ... on CalloutBlock { tone title html }
    }
  }
}
"""


@pytest.fixture
def rich_consultation(agency_a):
    other = make_consultation(agency_a, "หน้าอื่น", slug="other")
    image = make_image(agency_a, "แผนที่", description="แผนที่ลุ่มน้ำ")
    document = make_document(agency_a, "รายงาน", b"x" * 1234)
    body = [
        ("heading", {"text": "ที่มา", "level": "2"}),
        (
            "rich_text",
            f'<p>ดู <a linktype="page" id="{other.pk}">หน้าอื่น</a></p>'
            f'<embed embedtype="image" id="{image.pk}" format="fullwidth" alt="ภาพ"/>',
        ),
        ("image", {"image": image, "alt": "แผนที่ลุ่มน้ำเจ้าพระยา", "caption": "ภาพที่ 1"}),
        ("quote", {"text": "น้ำคือชีวิต", "attribution": "อธิบดี"}),
        ("document", {"document": document, "title": ""}),
        ("embed", "https://www.youtube.com/watch?v=abc"),
        ("callout", {"tone": "warning", "title": "สำคัญ", "text": "<p>อ่านก่อน</p>"}),
    ]
    page = make_consultation(
        agency_a, "แผนรับมือน้ำท่วม", slug="flood-plan", body=body, hero_image=image
    )
    page.topics.add("น้ำท่วม", "ภัยพิบัติ")
    page.save_revision().publish()
    return page, other, image, document


@pytest.mark.usefixtures("rich_consultation")
def test_consultation_with_every_block(gql):
    data = gql.ok(CONSULTATION, {"agency": "agency-a", "slug": "flood-plan"})["consultation"]
    assert data["title"] == "แผนรับมือน้ำท่วม"
    assert data["slug"] == "flood-plan"
    assert data["urlPath"] == "/consultations/flood-plan/"
    assert data["status"] == "OPEN"
    assert data["seoTitle"] is None
    assert data["agency"] == {"slug": "agency-a", "name": "กรมทรัพยากรน้ำ"}
    assert [p["kind"] for p in data["phases"]] == ["INFORMATION", "PROPOSALS", "RESULTS"]
    assert [p["isCurrent"] for p in data["phases"]] == [True, False, False]
    assert data["currentPhase"] == {"kind": "INFORMATION"}
    assert data["topics"] == sorted(["น้ำท่วม", "ภัยพิบัติ"])
    hero = data["heroImage"]
    assert hero["alt"] == "แผนที่ลุ่มน้ำ"
    assert (hero["width"], hero["height"]) == (640, 360)
    assert hero["url"].startswith("https://ruamkhid.example/media/images/")
    assert ".fill-100x50" in hero["url"]

    body = data["body"]
    assert [b["__typename"] for b in body] == [
        "HeadingBlock",
        "RichTextBlock",
        "ImageBlock",
        "QuoteBlock",
        "DocumentBlock",
        "EmbedBlock",
        "CalloutBlock",
    ]
    assert body[0] == {"__typename": "HeadingBlock", "text": "ที่มา", "level": 2}
    html = body[1]["html"]
    assert 'linktype="page"' not in html and "<embed" not in html
    assert "/consultations/other/" in html
    assert '<img alt="ภาพ"' in html and "/media/images/" in html
    assert body[2]["alt"] == "แผนที่ลุ่มน้ำเจ้าพระยา"
    assert body[2]["caption"] == "ภาพที่ 1"
    assert body[2]["image"]["alt"] == "แผนที่ลุ่มน้ำเจ้าพระยา"
    assert ".width-320" in body[2]["image"]["url"]
    assert body[3] == {"__typename": "QuoteBlock", "text": "น้ำคือชีวิต", "attribution": "อธิบดี"}
    assert body[4]["title"] == "รายงาน"
    assert body[4]["document"]["fileSize"] == 1234
    assert body[4]["document"]["fileExtension"] == "txt"
    assert body[4]["document"]["url"].startswith("https://ruamkhid.example/documents/")
    assert body[5] == {
        "__typename": "EmbedBlock",
        "url": "https://www.youtube.com/watch?v=abc",
        "html": '<a href="https://www.youtube.com/watch?v=abc">https://www.youtube.com/watch?v=abc</a>',
        "fetched": False,
    }
    assert body[6] == {
        "__typename": "CalloutBlock",
        "tone": "WARNING",
        "title": "สำคัญ",
        "html": "<p>อ่านก่อน</p>",
    }


def test_agencies_and_agency(gql, agency_a, agency_b):
    data = gql.ok("{ agencies { totalCount edges { node { slug name nameEn } } } }")
    assert data["agencies"]["totalCount"] == 2
    assert [e["node"]["slug"] for e in data["agencies"]["edges"]] == ["agency-a", "agency-b"]
    english = gql.ok('{ agency(slug: "agency-b") { name } }', headers={"Accept-Language": "en"})
    assert english["agency"] == {"name": "Pollution Control Department"}
    assert gql.ok('{ agency(slug: "nope") { name } }') == {"agency": None}


def test_consultations_filter_by_agency_and_status(gql, agency_a, agency_b):
    make_consultation(agency_a, "เปิด", slug="open-a", status="open")
    make_consultation(agency_a, "ปิด", slug="closed-a", status="closed")
    make_consultation(agency_a, "เร็ว ๆ นี้", slug="soon-a", status="upcoming")
    make_consultation(agency_b, "เปิด B", slug="open-b", status="open")
    query = """query ($agency: String, $status: ConsultationStatus) {
      consultations(agency: $agency, status: $status) {
        totalCount edges { node { slug status agency { slug } } } } }"""
    every = gql.ok(query)["consultations"]
    assert every["totalCount"] == 4
    only_a = gql.ok(query, {"agency": "agency-a"})["consultations"]
    assert [e["node"]["slug"] for e in only_a["edges"]] == ["open-a", "closed-a", "soon-a"]
    for status, slugs in {
        "OPEN": ["open-a"],
        "CLOSED": ["closed-a"],
        "UPCOMING": ["soon-a"],
    }.items():
        got = gql.ok(query, {"agency": "agency-a", "status": status})["consultations"]
        assert [e["node"]["slug"] for e in got["edges"]] == slugs
        assert {e["node"]["status"] for e in got["edges"]} == {status}
    nested = gql.ok(
        '{ agency(slug: "agency-b") { consultations { totalCount edges { node { slug } } } } }'
    )
    assert nested["agency"]["consultations"]["totalCount"] == 1


def test_same_slug_in_two_agencies_never_collides(gql, agency_a, agency_b):
    make_consultation(agency_a, "แผน A", slug="climate-plan")
    make_consultation(agency_b, "แผน B", slug="climate-plan")
    query = '{ consultation(agency: "%s", slug: "climate-plan") { title agency { slug } } }'
    assert gql.ok(query % "agency-a")["consultation"] == {
        "title": "แผน A",
        "agency": {"slug": "agency-a"},
    }
    assert gql.ok(query % "agency-b")["consultation"] == {
        "title": "แผน B",
        "agency": {"slug": "agency-b"},
    }


def test_page_by_path_and_node_round_trip(gql, agency_a):
    page = make_consultation(agency_a, "น้ำ", slug="water")
    query = """query ($path: String!) { page(agency: "agency-a", path: $path) {
        __typename id title urlPath ... on Consultation { intro } } }"""
    found = gql.ok(query, {"path": "/consultations/water/"})["page"]
    assert found["__typename"] == "Consultation"
    assert found["urlPath"] == "/consultations/water/"
    assert gql.ok(query, {"path": "consultations/water"})["page"]["id"] == found["id"]
    index = gql.ok(query, {"path": "/consultations/"})["page"]
    assert index["__typename"] == "ConsultationIndex"
    home = gql.ok(query, {"path": "/"})["page"]
    assert home["__typename"] == "AgencyHome"
    assert gql.ok(query, {"path": "/nothing/here/"})["page"] is None
    node = gql.ok(
        "query ($id: ID!) { node(id: $id) { id ... on Consultation { title } } }",
        {"id": found["id"]},
    )["node"]
    assert node == {"id": found["id"], "title": "น้ำ"}
    assert page.pk


def test_scope_header_narrows_lists_only(gql, agency_a, agency_b):
    make_consultation(agency_a, "A", slug="a1")
    make_consultation(agency_b, "B", slug="b1")
    scoped = {"X-Agency": "agency-b"}
    lists = gql.ok(
        "{ agencies { edges { node { slug } } } consultations { edges { node { slug } } } }",
        headers=scoped,
    )
    assert [e["node"]["slug"] for e in lists["agencies"]["edges"]] == ["agency-b"]
    assert [e["node"]["slug"] for e in lists["consultations"]["edges"]] == ["b1"]
    direct = gql.ok('{ consultation(agency: "agency-a", slug: "a1") { slug } }', headers=scoped)
    assert direct["consultation"] == {"slug": "a1"}
    other = gql.ok('{ consultations(agency: "agency-a") { totalCount } }', headers=scoped)
    assert other["consultations"]["totalCount"] == 0


def test_site_of_host_scopes_lists(agency_a, agency_b):
    from tests.conftest import GraphQLClient

    make_consultation(agency_a, "A", slug="a1")
    make_consultation(agency_b, "B", slug="b1")
    client = GraphQLClient(host="agency-a.localhost")
    got = client.ok("{ consultations { edges { node { slug } } } }")
    assert [e["node"]["slug"] for e in got["consultations"]["edges"]] == ["a1"]


def test_private_page_restriction_applies(gql, agency_a):
    page = make_consultation(agency_a, "ลับ", slug="secret")
    PageViewRestriction.objects.create(page=page, restriction_type="login")
    assert gql.ok('{ consultation(agency: "agency-a", slug: "secret") { slug } }') == {
        "consultation": None
    }
