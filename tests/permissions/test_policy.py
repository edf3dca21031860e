"""A user's roles and guardian object permissions: loaded together, once, and read by the rules.

The visibility rule reads the granted consultations as a literal list, so a citizen's reads carry
no guardian subqueries; these tests pin that it still sees exactly what the grants allow.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm, remove_perm

from participation.models import Proposal
from participation.visibility import visible_proposals
from permissions.memberships import grant_role
from permissions.policy import (
    access,
    forget_roles,
    has_object_perm,
    object_perm_q,
    roles_by_agency,
)
from permissions.roles import Perm, Role
from tests.factories import UserFactory, make_consultation

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultations(agency_a, agency_b):
    return (
        make_consultation(agency_a, title="แผนลดโลกร้อน", slug="climate"),
        make_consultation(agency_a, title="Bangkok bike lanes", slug="bikes"),
        make_consultation(agency_b, title="ผังเมืองใหม่", slug="city-plan"),
    )


def hidden_proposals(consultations) -> list[Proposal]:
    author = UserFactory()
    return [
        Proposal.objects.create(
            consultation=c,
            agency_id=c.agency_id,
            author=author,
            title=f"ซ่อน {c.slug}",
            body="ข้อความที่ถูกซ่อน",
            is_hidden=True,
        )
        for c in consultations
    ]


def test_roles_and_direct_and_group_grants_load_in_one_statement(agency_a, consultations):
    climate, bikes, city_plan = consultations
    user = UserFactory()
    grant_role(agency_a, user, Role.EDITOR)
    assign_perm(str(Perm.MODERATE), user, climate)
    group = Group.objects.create(name="ผู้ดูแลผังเมือง")
    group.user_set.add(user)
    assign_perm(str(Perm.MODERATE), group, city_plan)
    assign_perm(str(Perm.RESPOND), group, bikes)
    forget_roles(user)

    with CaptureQueriesContext(connection) as captured:
        loaded = access(user)
        again = access(user)
        assert has_object_perm(user, Perm.MODERATE, climate, climate.agency_id)
        assert has_object_perm(user, Perm.MODERATE, city_plan, city_plan.agency_id)
        assert not has_object_perm(user, Perm.MODERATE, bikes, bikes.agency_id)
        assert has_object_perm(user, Perm.RESPOND, bikes, bikes.agency_id)

    assert len(captured) == 1
    assert again is loaded
    assert roles_by_agency(user) == {agency_a.pk: frozenset({Role.EDITOR})}


def test_moderated_rows_are_a_literal_list_not_guardian_subqueries(consultations):
    climate, _bikes, _city = consultations
    citizen, scoped = UserFactory(), UserFactory()
    assign_perm(str(Perm.MODERATE), scoped, climate)

    citizen_sql = str(visible_proposals(Proposal.objects.all(), citizen).query)
    scoped_sql = str(visible_proposals(Proposal.objects.all(), scoped).query)

    assert "guardian" not in citizen_sql and "guardian" not in scoped_sql
    assert f'"participation_proposal"."consultation_id" IN ({climate.pk})' in scoped_sql
    assert 'consultation_id" IN' not in citizen_sql


def test_grants_decide_what_hidden_rows_a_viewer_reads(consultations):
    climate, bikes, city_plan = consultations
    hidden = hidden_proposals(consultations)
    citizen, scoped, via_group = UserFactory(), UserFactory(), UserFactory()
    assign_perm(str(Perm.MODERATE), scoped, climate)
    group = Group.objects.create(name="moderators of the bike lanes")
    group.user_set.add(via_group)
    assign_perm(str(Perm.MODERATE), group, bikes)
    assign_perm(str(Perm.RESPOND), citizen, city_plan)  # responding does not reveal hidden rows

    def seen(user) -> set[int]:
        return set(
            visible_proposals(Proposal.objects.filter(is_hidden=True), user).values_list(
                "pk", flat=True
            )
        )

    assert seen(AnonymousUser()) == set()
    assert seen(citizen) == set()
    assert seen(scoped) == {hidden[0].pk}
    assert seen(via_group) == {hidden[1].pk}


def test_forget_roles_reloads_after_a_grant_changes(consultations):
    climate = consultations[0]
    user = UserFactory()
    assert not has_object_perm(user, Perm.MODERATE, climate, climate.agency_id)

    assign_perm(str(Perm.MODERATE), user, climate)
    assert not has_object_perm(user, Perm.MODERATE, climate, climate.agency_id)  # still loaded
    forget_roles(user)
    assert has_object_perm(user, Perm.MODERATE, climate, climate.agency_id)

    remove_perm(str(Perm.MODERATE), user, climate)
    forget_roles(user)
    assert not has_object_perm(user, Perm.MODERATE, climate, climate.agency_id)


def test_inactive_and_anonymous_users_hold_nothing(agency_a, consultations):
    climate = consultations[0]
    user = UserFactory()
    grant_role(agency_a, user, Role.MODERATOR)
    assign_perm(str(Perm.MODERATE), user, climate)
    user.is_active = False
    forget_roles(user)

    with CaptureQueriesContext(connection) as captured:
        assert roles_by_agency(user) == {}
        assert roles_by_agency(AnonymousUser()) == {}
        assert not has_object_perm(user, Perm.MODERATE, climate, climate.agency_id)
        assert object_perm_q(AnonymousUser(), Perm.MODERATE, type(climate)) == object_perm_q(
            user, Perm.MODERATE, type(climate)
        )
    assert len(captured) == 0
