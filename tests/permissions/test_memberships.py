"""Granting and revoking roles keeps memberships and Wagtail group membership in step."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from wagtail.models import GroupPagePermission

from permissions.memberships import grant_role, revoke_role
from permissions.models import AgencyRoleGroup, Membership
from permissions.policy import forget_roles, has_agency_perm
from permissions.roles import Perm, Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def editor_group(agency):
    return AgencyRoleGroup.objects.get(agency=agency, role=Role.EDITOR).group


def fresh(user):
    """A new instance: Django caches permissions on the user object."""
    return get_user_model().objects.get(pk=user.pk)


def test_grant_editor_puts_user_in_the_agency_editor_group(agency_a, agency_b, superuser):
    user = UserFactory(username="somchai")

    membership = grant_role(agency_a, user, Role.EDITOR, granted_by=superuser)

    assert (membership.agency, membership.user, membership.role) == (agency_a, user, "editor")
    assert membership.granted_by == superuser
    assert set(user.groups.all()) == {editor_group(agency_a)}
    assert editor_group(agency_b) not in user.groups.all()
    assert fresh(user).has_perm("wagtailadmin.access_admin")


def test_grant_is_idempotent(agency_a):
    user = UserFactory()

    first = grant_role(agency_a, user, Role.EDITOR)
    second = grant_role(agency_a, user, Role.EDITOR)

    assert first.pk == second.pk
    assert Membership.objects.filter(user=user).count() == 1
    assert user.groups.count() == 1


def test_revoke_editor_takes_user_out_of_the_group(agency_a):
    user = UserFactory()
    grant_role(agency_a, user, Role.EDITOR)
    assert fresh(user).has_perm("wagtailadmin.access_admin")

    assert revoke_role(agency_a, user, Role.EDITOR) is True

    assert not Membership.objects.filter(user=user).exists()
    assert not user.groups.exists()
    assert not fresh(user).has_perm("wagtailadmin.access_admin")
    # The group itself stays for the agency's other editors.
    assert AgencyRoleGroup.objects.filter(agency=agency_a, role=Role.EDITOR).exists()


def test_revoke_without_role_reports_false(agency_a):
    user = UserFactory()
    assert revoke_role(agency_a, user, Role.EDITOR) is False
    assert not user.groups.exists()


def test_revoke_in_one_agency_keeps_the_other(agency_a, agency_b):
    user = UserFactory()
    grant_role(agency_a, user, Role.EDITOR)
    grant_role(agency_b, user, Role.EDITOR)

    revoke_role(agency_a, user, Role.EDITOR)

    assert set(user.groups.all()) == {editor_group(agency_b)}
    assert list(Membership.objects.filter(user=user).values_list("agency__slug", "role")) == [
        ("agency-b", "editor")
    ]


def test_revoking_another_role_keeps_editor_group(agency_a):
    user = UserFactory()
    grant_role(agency_a, user, Role.EDITOR)
    grant_role(agency_a, user, Role.MODERATOR)

    revoke_role(agency_a, user, Role.MODERATOR)

    assert set(user.groups.all()) == {editor_group(agency_a)}
    assert set(Membership.objects.filter(user=user).values_list("role", flat=True)) == {"editor"}


def test_staff_roles_join_their_own_group_without_page_rights(agency_a):
    user = UserFactory()

    grant_role(agency_a, user, Role.MODERATOR)

    assert Membership.objects.filter(user=user, agency=agency_a, role="moderator").exists()
    assert [g.name for g in user.groups.all()] == ["agency-a: moderators"]
    assert fresh(user).has_perm("wagtailadmin.access_admin")
    assert not GroupPagePermission.objects.filter(group__user=user).exists()


def test_unknown_role_is_refused(agency_a):
    user = UserFactory()
    with pytest.raises(ValueError, match="unknown role"):
        grant_role(agency_a, user, "owner")
    assert not Membership.objects.filter(user=user).exists()


def test_policy_follows_grant_and_revoke(agency_a, agency_b):
    user = UserFactory()

    grant_role(agency_a, user, Role.EDITOR)
    forget_roles(user)
    assert has_agency_perm(user, Perm.EDIT_PAGES, agency_a.pk)
    assert not has_agency_perm(user, Perm.EDIT_PAGES, agency_b.pk)
    assert not has_agency_perm(user, Perm.MODERATE, agency_a.pk)

    revoke_role(agency_a, user, Role.EDITOR)
    forget_roles(user)
    assert not has_agency_perm(user, Perm.EDIT_PAGES, agency_a.pk)


def test_editor_fixtures_are_members_of_their_own_agency_only(editor_a, editor_b, agency_a):
    assert set(editor_a.groups.all()) == {editor_group(agency_a)}
    assert editor_group(agency_a) not in editor_b.groups.all()
