"""Wagtail admin hooks: the superuser-only agency list and provisioning form."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import URLPattern, URLResolver, include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from cms import admin_views


class AgencyMenuItem(MenuItem):
    """Shown to superusers only: nobody else may create or list every tenant."""

    def is_shown(self, request: HttpRequest) -> bool:
        return admin_views.agency_policy.user_has_permission(request.user, "view")


@hooks.register("register_admin_urls")
def register_agency_urls() -> list[URLPattern | URLResolver]:
    urls = [
        path("", admin_views.AgencyIndexView.as_view(), name="index"),
        path(
            "results/",
            admin_views.AgencyIndexView.as_view(results_only=True),
            name="index_results",
        ),
        path("new/", admin_views.AgencyCreateView.as_view(), name="add"),
    ]
    return [
        path(
            "agencies/",
            include((urls, admin_views.URL_NAMESPACE), namespace=admin_views.URL_NAMESPACE),
        )
    ]


@hooks.register("register_admin_menu_item")
def register_agency_menu_item() -> MenuItem:
    return AgencyMenuItem(
        _("Agencies"),
        reverse(admin_views.INDEX_URL_NAME),
        name="agencies",
        icon_name="site",
        order=900,
    )
