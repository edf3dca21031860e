"""Every agency role can sign in to the Wagtail admin through its agency's role group."""

from __future__ import annotations

import pytest
from django.test import Client

from permissions.models import AgencyRoleGroup
from permissions.roles import Role

pytestmark = pytest.mark.django_db


def test_each_role_has_an_admin_group(agency_a):
    groups = {rg.role: rg.group for rg in AgencyRoleGroup.objects.filter(agency=agency_a)}
    assert set(groups) == set(Role.values)
    for group in groups.values():
        assert group.permissions.filter(codename="access_admin").exists()
    assert groups[Role.MODERATOR].name == "agency-a: moderators"


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.RESPONDER, Role.ADMIN, Role.ANALYST])
def test_staff_roles_reach_the_admin(make_member, agency_a, role):
    user = make_member(agency_a, role)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    assert client.get("/admin/").status_code == 200


def test_participant_without_role_is_kept_out(agency_a):
    from tests.factories import UserFactory

    client = Client(HTTP_HOST="localhost")
    client.force_login(UserFactory())
    assert client.get("/admin/").status_code == 302
