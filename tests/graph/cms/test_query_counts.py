"""The number of SQL statements of a content query does not grow with the list."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_consultation, make_document, make_image

pytestmark = pytest.mark.django_db

LIST = """{
  consultations(first: 20) {
    totalCount
    edges { node {
      id title urlPath status intro topics
      agency { slug name }
      phases { title kind startsAt endsAt isCurrent }
      currentPhase { title }
      heroImage { alt width height url(spec: "fill-400x200") }
      body {
        __typename
        ... on RichTextBlock { html }
        ... on ImageBlock { alt caption image { url(spec: "width-320") width } }
        ... on DocumentBlock { title document { url fileSize } }
        ... on HeadingBlock { text }
      }
    } }
  }
}"""


def seed(agency, count: int) -> None:
    link_target = make_consultation(agency, "ปลายทางลิงก์", slug="target")
    for n in range(count - 1):
        image = make_image(agency, f"ภาพ {n}")
        document = make_document(agency, f"เอกสาร {n}")
        page = make_consultation(
            agency,
            f"การรับฟัง {n}",
            slug=f"c-{n}",
            hero_image=image,
            body=[
                ("heading", {"text": f"หัวข้อ {n}", "level": "2"}),
                (
                    "rich_text",
                    f'<p><a linktype="page" id="{link_target.pk}">ลิงก์</a></p>'
                    f'<embed embedtype="image" id="{image.pk}" format="left" alt="ภาพ"/>',
                ),
                ("image", {"image": image, "alt": "ภาพ", "caption": "คำบรรยาย"}),
                ("document", {"document": document, "title": ""}),
            ],
        )
        page.topics.add(f"หัวข้อ-{n}", "น้ำ")
        page.save_revision().publish()


def count_queries(gql) -> tuple[int, dict]:
    gql.ok(LIST)  # first run creates renditions; the steady state is what matters
    with CaptureQueriesContext(connection) as captured:
        data = gql.ok(LIST)
    return len(captured.captured_queries), data


@pytest.mark.parametrize("agency_slug", ["counting"])
def test_list_query_count_is_constant(gql, agency_slug):
    from tests.factories import make_agency

    small_agency = make_agency(f"{agency_slug}-s")
    seed(small_agency, 2)
    small, small_data = count_queries(gql)
    assert small_data["consultations"]["totalCount"] == 2

    big_agency = make_agency(f"{agency_slug}-b")
    seed(big_agency, 20)
    big, big_data = count_queries(gql)
    assert big_data["consultations"]["totalCount"] == 22
    assert len(big_data["consultations"]["edges"]) == 20
    assert all(
        e["node"]["heroImage"]
        for e in big_data["consultations"]["edges"]
        if e["node"]["title"] != "ปลายทางลิงก์"
    )
    assert small == big, f"{small} queries for 2 consultations, {big} for 20"
    assert big <= 13
