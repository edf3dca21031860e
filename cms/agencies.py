"""Provisioning an agency: its Site, home tree, collection and Wagtail groups, all at once."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page, Site

from cms.models import AgencyHomePage, ConsultationIndexPage
from permissions.models import Agency, AgencyRoleGroup, agency_slug_validator
from permissions.roles import Role

# Wagtail page permissions an agency editor holds on the agency's subtree.
EDITOR_PAGE_PERMS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
# Image and document permissions an agency editor holds on the agency's collection.
EDITOR_COLLECTION_PERMS = {
    "wagtailimages": ("add_image", "change_image", "choose_image"),
    "wagtaildocs": ("add_document", "change_document", "choose_document"),
}


@dataclass(frozen=True)
class AgencySpec:
    slug: str
    name_th: str
    name_en: str
    hostname: str
    port: int = 80
    intro: str = ""


def _role_group(slug: str, role: str) -> Group:
    """A group that lets holders of `role` in the agency sign in to the Wagtail admin; what they
    see there is then scoped by their role (pages for editors, participation for staff)."""
    group = Group.objects.create(name=f"{slug}: {role}")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    return group


def _editor_group(slug: str, home: Page, collection: Collection) -> Group:
    group = _role_group(slug, "editors")
    for codename in EDITOR_PAGE_PERMS:
        GroupPagePermission.objects.create(
            group=group,
            page=home,
            permission=Permission.objects.get(
                content_type__app_label="wagtailcore", codename=codename
            ),
        )
    for app_label, codenames in EDITOR_COLLECTION_PERMS.items():
        for codename in codenames:
            GroupCollectionPermission.objects.create(
                group=group,
                collection=collection,
                permission=Permission.objects.get(
                    content_type__app_label=app_label, codename=codename
                ),
            )
    return group


def create_agency(spec: AgencySpec) -> Agency:
    """Create the agency with everything it owns, or nothing (one transaction)."""
    agency_slug_validator(spec.slug)
    if not spec.name_th.strip() or not spec.name_en.strip():
        raise ValidationError("An agency needs a Thai and an English name.")
    if Agency.objects.filter(slug=spec.slug).exists():
        raise ValidationError(f"An agency with slug {spec.slug!r} already exists.")
    if Site.objects.filter(hostname=spec.hostname, port=spec.port).exists():
        raise ValidationError(f"A site for {spec.hostname}:{spec.port} already exists.")
    with transaction.atomic():
        collection = Collection.get_first_root_node().add_child(name=spec.name_en)
        agency = Agency.objects.create(
            slug=spec.slug, name_th=spec.name_th, name_en=spec.name_en, collection=collection
        )
        home = Page.get_first_root_node().add_child(
            instance=AgencyHomePage(
                title=spec.name_th, slug=spec.slug, agency=agency, intro=spec.intro
            )
        )
        home.add_child(
            instance=ConsultationIndexPage(title="การรับฟังความคิดเห็น", slug="consultations", intro="")
        )
        agency.site = Site.objects.create(
            hostname=spec.hostname, port=spec.port, root_page=home, site_name=spec.name_en
        )
        agency.save(update_fields=["site"])
        AgencyRoleGroup.objects.create(
            agency=agency, role=Role.EDITOR, group=_editor_group(spec.slug, home, collection)
        )
        for role in (Role.ADMIN, Role.MODERATOR, Role.RESPONDER, Role.ANALYST):
            AgencyRoleGroup.objects.create(
                agency=agency, role=role, group=_role_group(spec.slug, f"{role.value}s")
            )
    return agency


def consultation_index(agency: Agency) -> ConsultationIndexPage:
    """The agency's consultation index page (created with the agency)."""
    return ConsultationIndexPage.objects.filter(agency=agency).order_by("path").first()
