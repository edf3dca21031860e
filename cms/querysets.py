"""Page querysets that let one loaded page find the pages it was loaded with.

Rendering a StreamField body needs images, documents, embeds and linked pages. Loading them per
page makes a list of N consultations cost N times the queries; marking each page with the list
it came in (perf.db.row_loading.ListAware) lets the renderer load those assets once for the
whole list.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from wagtail.models import PageQuerySet

from cms.phases import ConsultationStatus
from perf.db.row_loading import ListAware
from perf.db.statement_cache import CompiledOnce


class SiblingAwarePageQuerySet(CompiledOnce, ListAware, PageQuerySet):
    """Pages know their list; their selects are compiled once per query shape."""


class ConsultationQuerySet(SiblingAwarePageQuerySet):
    def with_status(self, status: str, now: datetime | None = None) -> ConsultationQuerySet:
        """Filter by the status derived from the phases, evaluated in SQL at `now`."""
        now = now or timezone.now()
        if status == ConsultationStatus.UPCOMING:
            return self.filter(Q(opens_at__isnull=True) | Q(opens_at__gt=now))
        if status == ConsultationStatus.OPEN:
            return self.filter(opens_at__lte=now, closes_at__gt=now)
        if status == ConsultationStatus.CLOSED:
            return self.filter(closes_at__lte=now)
        raise ValueError(f"unknown consultation status {status!r}")
