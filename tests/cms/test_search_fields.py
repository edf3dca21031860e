"""Consultations are indexed for Wagtail search: title, intro, body, topics; filter by agency."""

from __future__ import annotations

import pytest

from cms.models import ConsultationPage
from tests.factories import make_consultation

pytestmark = pytest.mark.django_db


def test_search_finds_consultations_by_their_text(agency_a, agency_b):
    flood = make_consultation(
        agency_a,
        "แผนรับมือ อุทกภัย",
        slug="flood",
        intro="รับฟังความคิดเห็น เรื่อง คลองลาดพร้าว",
        body=[("rich_text", "<p>drainage pumps and retention ponds</p>")],
    )
    make_consultation(agency_b, "คุณภาพอากาศ", slug="air", intro="ฝุ่น PM2.5")
    flood.topics.add("น้ำ")
    flood.save_revision().publish()

    def titles(query: str, **filters) -> set[str]:
        found = ConsultationPage.objects.live().filter(**filters).search(query)
        return {page.title for page in found}

    assert titles("อุทกภัย") == {"แผนรับมือ อุทกภัย"}
    assert titles("คลองลาดพร้าว") == {"แผนรับมือ อุทกภัย"}
    assert titles("retention") == {"แผนรับมือ อุทกภัย"}
    assert titles("PM2.5") == {"คุณภาพอากาศ"}
    assert titles("อุทกภัย", agency=agency_b) == set()
