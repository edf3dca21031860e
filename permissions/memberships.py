"""Granting and revoking agency roles, keeping Wagtail group membership in step.

Who may call these is decided by the callers through `permissions.policy`; these functions only
make the change, atomically.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from permissions.models import Agency, AgencyRoleGroup, Membership
from permissions.roles import Role


def grant_role(
    agency: Agency, user: AbstractBaseUser, role: str, granted_by: AbstractBaseUser | None = None
) -> Membership:
    """Give `user` the `role` in `agency` (idempotent) and add them to the role's group."""
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    with transaction.atomic():
        membership, _ = Membership.objects.get_or_create(
            agency=agency, user=user, role=role, defaults={"granted_by": granted_by}
        )
        for role_group in AgencyRoleGroup.objects.filter(agency=agency, role=role):
            user.groups.add(role_group.group)
    return membership


def revoke_role(agency: Agency, user: AbstractBaseUser, role: str) -> bool:
    """Take `role` in `agency` away from `user`; returns whether they had it."""
    with transaction.atomic():
        deleted, _ = Membership.objects.filter(agency=agency, user=user, role=role).delete()
        for role_group in AgencyRoleGroup.objects.filter(agency=agency, role=role):
            user.groups.remove(role_group.group)
    return bool(deleted)
