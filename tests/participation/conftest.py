"""Participation fixtures: consultations in a chosen phase, a user per role, rows in any state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from guardian.shortcuts import assign_perm

from cms.phases import PhaseKind
from participation.models import Comment, Proposal
from permissions.roles import Role
from tests.factories import UserFactory, make_consultation

PHASE_ORDER = [
    PhaseKind.INFORMATION,
    PhaseKind.PROPOSALS,
    PhaseKind.SUPPORT,
    PhaseKind.REVIEW,
    PhaseKind.RESULTS,
]


def phases_with_current(kind: str | None) -> list[dict]:
    """Five 10-day phases in DESIGN.md order, placed so that `kind` runs now (None: all past)."""
    now = timezone.now()
    index = PHASE_ORDER.index(kind) if kind else len(PHASE_ORDER) + 1
    start = now - timedelta(days=10 * index + 5)
    return [
        {
            "title": str(k.label),
            "kind": k,
            "starts_at": start + timedelta(days=10 * i),
            "ends_at": start + timedelta(days=10 * (i + 1)),
        }
        for i, k in enumerate(PHASE_ORDER)
    ]


@pytest.fixture
def consultation_in(agency_a):
    """consultation_in(kind, agency=agency_a, **kwargs) -> a live consultation in that phase."""

    def factory(kind: str | None, agency=None, **kwargs):
        return make_consultation(agency or agency_a, phases=phases_with_current(kind), **kwargs)

    return factory


@pytest.fixture
def consultation(consultation_in):
    """A live consultation of agency A in its PROPOSALS phase (every citizen action open)."""
    return consultation_in(PhaseKind.PROPOSALS)


def make_proposal(consultation, author, **kwargs) -> Proposal:
    """A proposal written straight to the table (any state, any phase), for test set-up."""
    defaults = {"title": "ทางจักรยานริมคลอง", "body": "อยากให้มีทางจักรยานริมคลองทุกสาย"}
    return Proposal.objects.create(
        agency_id=consultation.agency_id,
        consultation=consultation,
        author=author,
        **{**defaults, **kwargs},
    )


def make_comment(consultation, author, proposal=None, parent=None, **kwargs) -> Comment:
    comment = Comment.objects.create(
        agency_id=consultation.agency_id,
        consultation=consultation,
        proposal=proposal,
        parent=parent,
        depth=parent.depth + 1 if parent else 0,
        author=author,
        body=kwargs.pop("body", "เห็นด้วยค่ะ"),
        **kwargs,
    )
    if proposal is not None and not comment.is_hidden and not comment.is_deleted:
        Proposal.objects.filter(pk=proposal.pk).update(comment_count=proposal.comment_count + 1)
        proposal.refresh_from_db()
    return comment


@pytest.fixture
def participant(db):
    return UserFactory(username="participant", display_name="Somchai")


@pytest.fixture
def author(db):
    return UserFactory(username="author", display_name="Malee")


@pytest.fixture
def moderator_a(make_member, agency_a):
    return make_member(agency_a, Role.MODERATOR, username="moderator-a")


@pytest.fixture
def moderator_b(make_member, agency_b):
    return make_member(agency_b, Role.MODERATOR, username="moderator-b")


@pytest.fixture
def responder_a(make_member, agency_a):
    return make_member(agency_a, Role.RESPONDER, username="responder-a")


@pytest.fixture
def admin_a(make_member, agency_a):
    return make_member(agency_a, Role.ADMIN, username="admin-a")


@pytest.fixture
def scoped_moderator(db, consultation):
    """Moderator of the `consultation` fixture only (a guardian object permission)."""
    user = UserFactory(username="scoped-moderator")
    assign_perm("moderate", user, consultation)
    return user
