"""Wagtail admin menu and URLs for agency staff (participation.admin_views)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import URLPattern, URLResolver, include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from participation import admin_views

NAMESPACE = "participation_admin"


class StaffMenuItem(MenuItem):
    """Shown only to users holding one of `perms` in some agency or consultation."""

    def __init__(self, *args, perms: tuple[str, ...] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.perms = perms

    def is_shown(self, request: HttpRequest) -> bool:
        if self.perms is None:
            return admin_views._admin_agencies(request.user).exists()
        return admin_views.has_any_staff_access(request.user, self.perms)


@hooks.register("register_admin_urls")
def register_participation_urls() -> list[URLPattern | URLResolver]:
    urls = [
        path("proposals/", admin_views.proposal_index, name="proposals"),
        path("proposals/<int:pk>/", admin_views.proposal_detail, name="proposal"),
        path("comments/", admin_views.comment_index, name="comments"),
        path("reports/", admin_views.report_index, name="reports"),
        path("roles/", admin_views.roles, name="roles"),
    ]
    return [path("participation/", include((urls, NAMESPACE), namespace=NAMESPACE))]


participation_menu = Menu(register_hook_name="register_participation_menu_item")


@hooks.register("register_admin_menu_item")
def register_participation_menu() -> MenuItem:
    return SubmenuMenuItem(_("Participation"), participation_menu, icon_name="group", order=300)


@hooks.register("register_participation_menu_item")
def proposals_item() -> MenuItem:
    return StaffMenuItem(
        _("Proposals"),
        reverse(f"{NAMESPACE}:proposals"),
        icon_name="doc-full",
        order=100,
        perms=admin_views.PROPOSAL_PERMS,
    )


@hooks.register("register_participation_menu_item")
def comments_item() -> MenuItem:
    return StaffMenuItem(
        _("Comments"),
        reverse(f"{NAMESPACE}:comments"),
        icon_name="comment",
        order=200,
        perms=admin_views.MODERATE_PERMS,
    )


@hooks.register("register_participation_menu_item")
def reports_item() -> MenuItem:
    return StaffMenuItem(
        _("Reports"),
        reverse(f"{NAMESPACE}:reports"),
        icon_name="warning",
        order=300,
        perms=admin_views.MODERATE_PERMS,
    )


@hooks.register("register_participation_menu_item")
def roles_item() -> MenuItem:
    return StaffMenuItem(
        _("Roles"), reverse(f"{NAMESPACE}:roles"), icon_name="user", order=400, perms=None
    )
