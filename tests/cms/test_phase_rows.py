"""A consultation's phases read by the statement that reads the consultation (cms.phase_rows)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.models import ConsultationPage, ConsultationPhase
from cms.phase_rows import phases_of, with_phases
from cms.phases import PhaseKind
from participation.abilities import current_phase_kind
from participation.models import Proposal
from participation.visibility import get_visible_proposal
from tests.factories import UserFactory, make_consultation

pytestmark = pytest.mark.django_db

COMPARED = ("pk", "sort_order", "page_id", "agency_id", "title", "kind", "starts_at", "ends_at")


def as_stored(page: ConsultationPage) -> list[tuple]:
    fresh = ConsultationPage.objects.get(pk=page.pk)
    return [tuple(getattr(p, name) for name in COMPARED) for p in fresh.phases.all()]


def loaded(page: ConsultationPage) -> ConsultationPage:
    return with_phases(ConsultationPage.objects.filter(pk=page.pk)).get()


def test_the_phases_are_the_rows_a_query_would_give_in_its_order(agency_a):
    start = datetime(2026, 12, 4, 9, 30, 15, 123456, tzinfo=UTC)
    page = make_consultation(
        agency_a,
        "ร่างแผนรับมือน้ำท่วม",
        phases=[
            {
                "title": "ข้อมูล / Information",
                "kind": PhaseKind.INFORMATION,
                "starts_at": start,
                "ends_at": start + timedelta(days=7),
            },
            {
                "title": "เสนอความคิดเห็น “ร่าง” \\ Proposals",
                "kind": PhaseKind.PROPOSALS,
                "starts_at": (start + timedelta(days=7, seconds=1)).replace(microsecond=0),
                "ends_at": start + timedelta(days=21, microseconds=1),
            },
            {
                "title": "ผลลัพธ์ / Results",
                "kind": PhaseKind.RESULTS,
                "starts_at": start + timedelta(days=22),
                "ends_at": start + timedelta(days=30),
            },
        ],
    )
    # Out of id order: the relation orders by sort_order (NULL where the backend sorts it).
    first, second, third = page.phases.all()
    ConsultationPhase.objects.filter(pk=first.pk).update(sort_order=5)
    ConsultationPhase.objects.filter(pk=second.pk).update(sort_order=1)
    ConsultationPhase.objects.filter(pk=third.pk).update(sort_order=None)
    found = loaded(page)
    with CaptureQueriesContext(connection) as captured:
        phases = [tuple(getattr(p, name) for name in COMPARED) for p in phases_of(found)]
    assert captured.captured_queries == []
    assert phases == as_stored(page)
    if connection.features.nulls_order_largest:  # PostgreSQL
        assert [p[0] for p in phases] == [second.pk, first.pk, third.pk]
    else:  # SQLite
        assert [p[0] for p in phases] == [third.pk, second.pk, first.pk]
    assert all(p[6].utcoffset() == timedelta(0) for p in phases)


def test_a_consultation_without_phases_has_none_without_a_query(agency_a):
    page = make_consultation(agency_a, "ไม่มีช่วงเวลา")
    ConsultationPhase.objects.filter(page=page).delete()
    found = loaded(page)
    with CaptureQueriesContext(connection) as captured:
        assert phases_of(found) == []
        assert current_phase_kind(found) is None
    assert captured.captured_queries == []


def test_a_page_loaded_without_them_reads_its_relation(agency_a):
    """A page from a plain query (or a prefetch, or a preview's in-memory phases) reads
    `page.phases.all()`, and built phases are built once."""
    page = make_consultation(agency_a, "ร่างแผน")
    expected = [p[0] for p in as_stored(page)]
    plain = ConsultationPage.objects.get(pk=page.pk)
    with CaptureQueriesContext(connection) as captured:
        assert [p.pk for p in phases_of(plain)] == expected
    assert len(captured.captured_queries) == 1
    found = loaded(page)
    assert phases_of(found) is phases_of(found)


def test_a_write_s_lookup_brings_the_phases_its_checks_read(agency_a):
    """participation.visibility reads the proposal, its consultation and the phases at once."""
    page = make_consultation(agency_a, "ร่างแผนเปิดรับ")
    proposal = Proposal.objects.create(
        agency_id=agency_a.pk,
        consultation=page,
        author=UserFactory(),
        title="ทางจักรยาน",
        body="ริมคลอง",
    )
    row = get_visible_proposal(UserFactory(), proposal.pk)
    with CaptureQueriesContext(connection) as captured:
        kind = current_phase_kind(row.consultation)
    assert captured.captured_queries == []
    assert kind == current_phase_kind(ConsultationPage.objects.get(pk=page.pk))
    assert [p.pk for p in phases_of(row.consultation)] == [p[0] for p in as_stored(page)]
