"""The roles of DESIGN.md and the named permissions each one carries.

This is the single place that says what a role may do; services, GraphQL and the Wagtail admin
ask `permissions.policy` instead of comparing role names themselves.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Agency admin")
    EDITOR = "editor", _("Editor")
    MODERATOR = "moderator", _("Moderator")
    RESPONDER = "responder", _("Responder")
    ANALYST = "analyst", _("Analyst")


class Perm(models.TextChoices):
    """Named permissions; the value is the codename used for guardian object permissions."""

    MANAGE_MEMBERSHIPS = "manage_memberships", _("Manage the agency's memberships")
    EDIT_PAGES = "edit_pages", _("Edit the agency's Wagtail pages")
    PREVIEW_DRAFTS = "preview_drafts", _("Read drafts through a preview token")
    MODERATE = "moderate", _("Hide and unhide content, handle reports")
    RESPOND = "respond", _("Give official responses and set proposal status")
    VIEW_STATISTICS = "view_statistics", _("Read private statistics and exports")


ROLE_PERMS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset({Perm.MANAGE_MEMBERSHIPS}),
    Role.EDITOR: frozenset({Perm.EDIT_PAGES, Perm.PREVIEW_DRAFTS}),
    Role.MODERATOR: frozenset({Perm.MODERATE}),
    Role.RESPONDER: frozenset({Perm.RESPOND}),
    Role.ANALYST: frozenset({Perm.VIEW_STATISTICS}),
}

# Roles that may also be granted for a single consultation (a guardian object permission).
CONSULTATION_SCOPED_ROLES: frozenset[str] = frozenset(
    {Role.MODERATOR, Role.RESPONDER, Role.ANALYST}
)


def perms_for_roles(roles: set[str] | frozenset[str]) -> frozenset[str]:
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_PERMS.get(role, frozenset())
    return frozenset(granted)
