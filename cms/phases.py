"""Phase rules of a consultation: validation and the dates and status derived from phases."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class PhaseKind(models.TextChoices):
    INFORMATION = "information", _("Information")
    PROPOSALS = "proposals", _("Proposals")
    SUPPORT = "support", _("Support")
    REVIEW = "review", _("Review")
    RESULTS = "results", _("Results")


class ConsultationStatus(models.TextChoices):
    UPCOMING = "upcoming", _("Upcoming")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


@dataclass(frozen=True)
class PhaseSpan:
    title: str
    starts_at: datetime | None
    ends_at: datetime | None


def validate_phases(phases: Iterable[PhaseSpan]) -> None:
    """Each phase ends after it starts and no two phases overlap; raises ValidationError."""
    spans = list(phases)
    errors: list[ValidationError] = []
    for span in spans:
        if span.starts_at is None or span.ends_at is None:
            errors.append(
                ValidationError(
                    _("Phase “%(t)s” needs a start and an end."),
                    params={"t": span.title},
                    code="phase_dates_missing",
                )
            )
        elif span.ends_at <= span.starts_at:
            errors.append(
                ValidationError(
                    _("Phase “%(t)s” must end after it starts."),
                    params={"t": span.title},
                    code="phase_ends_before_start",
                )
            )
    dated = sorted(
        (s for s in spans if s.starts_at and s.ends_at and s.ends_at > s.starts_at),
        key=lambda s: s.starts_at,
    )
    for earlier, later in itertools.pairwise(dated):
        if later.starts_at < earlier.ends_at:
            errors.append(
                ValidationError(
                    _("Phases “%(a)s” and “%(b)s” overlap."),
                    params={"a": earlier.title, "b": later.title},
                    code="phases_overlap",
                )
            )
    if errors:
        raise ValidationError(errors)


def span_of(phases: Iterable[PhaseSpan]) -> tuple[datetime | None, datetime | None]:
    """(opens_at, closes_at): the first start and the last end."""
    dated = [p for p in phases if p.starts_at and p.ends_at]
    if not dated:
        return None, None
    return min(p.starts_at for p in dated), max(p.ends_at for p in dated)


def status_at(opens_at: datetime | None, closes_at: datetime | None, now: datetime) -> str:
    """UPCOMING before the first phase (or with none), OPEN during, CLOSED after the last."""
    if opens_at is None or closes_at is None or now < opens_at:
        return ConsultationStatus.UPCOMING
    if now < closes_at:
        return ConsultationStatus.OPEN
    return ConsultationStatus.CLOSED
