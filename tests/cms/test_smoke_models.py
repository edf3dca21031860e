"""Agency provisioning and derived consultation state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cms.models import ConsultationPage
from cms.phases import ConsultationStatus
from tests.factories import make_consultation, phases_around

pytestmark = pytest.mark.django_db


def test_consultation_takes_agency_from_tree(agency_a, agency_b):
    page = make_consultation(agency_a, "น้ำประปา")
    assert page.agency_id == agency_a.pk
    assert {p.agency_id for p in page.phases.all()} == {agency_a.pk}


@pytest.mark.parametrize("status", ["upcoming", "open", "closed"])
def test_status_is_derived_from_phases(agency_a, status):
    page = make_consultation(agency_a, status=status)
    assert page.status == status
    assert ConsultationPage.objects.with_status(status).filter(pk=page.pk).exists()
    others = {s for s in ConsultationStatus.values if s != status}
    for other in others:
        assert not ConsultationPage.objects.with_status(other).filter(pk=page.pk).exists()


def test_overlapping_phases_are_refused(agency_a):
    phases = phases_around(timezone.now())
    phases[1]["starts_at"] = phases[0]["ends_at"] - timedelta(hours=1)
    with pytest.raises(ValidationError, match="overlap"):
        make_consultation(agency_a, phases=phases)
    assert not ConsultationPage.objects.exists()
