"""Provisioning an agency: everything it owns is created together, or nothing is."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from wagtail.models import (
    Collection,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Site,
)

from cms.agencies import AgencySpec, consultation_index, create_agency
from cms.models import AgencyHomePage, ConsultationIndexPage
from permissions.models import Agency, AgencyRoleGroup
from permissions.roles import Role

pytestmark = pytest.mark.django_db

WATER = AgencySpec(
    slug="dwr",
    name_th="กรมทรัพยากรน้ำ",
    name_en="Department of Water Resources",
    hostname="dwr.localhost",
    port=8080,
    intro="รับฟังความคิดเห็นเรื่องน้ำ",
)


def provisioned_counts() -> dict[str, int]:
    """Row counts of everything create_agency writes; equal before and after a refusal."""
    return {
        "agency": Agency.objects.count(),
        "site": Site.objects.count(),
        "page": Page.objects.count(),
        "collection": Collection.objects.count(),
        "group": Group.objects.count(),
        "role_group": AgencyRoleGroup.objects.count(),
        "page_perm": GroupPagePermission.objects.count(),
        "collection_perm": GroupCollectionPermission.objects.count(),
    }


def assert_tree_sound() -> None:
    """Treebeard's own consistency check: a rollback must not leave numchild or paths wrong."""
    for model in (Page, Collection):
        problems = model.find_problems()
        assert all(not ids for ids in problems), (model.__name__, problems)


def test_creates_site_rooted_at_the_agency_home():
    agency = create_agency(WATER)

    agency.refresh_from_db()
    assert (agency.slug, agency.name_th, agency.name_en) == (
        "dwr",
        "กรมทรัพยากรน้ำ",
        "Department of Water Resources",
    )
    site = agency.site
    assert (site.hostname, site.port, site.site_name) == ("dwr.localhost", 8080, WATER.name_en)
    assert not site.is_default_site
    home = site.root_page.specific
    assert isinstance(home, AgencyHomePage)
    assert home.agency_id == agency.pk
    assert (home.title, home.slug, home.intro) == (WATER.name_th, "dwr", WATER.intro)
    assert home.get_parent().is_root()
    assert Site.find_for_request(_request_for("dwr.localhost", 8080)) == site


def _request_for(host: str, port: int):
    from django.test import RequestFactory

    return RequestFactory().get("/", SERVER_NAME=host, SERVER_PORT=str(port), HTTP_HOST=host)


def test_creates_consultation_index_below_home():
    agency = create_agency(WATER)

    index = consultation_index(agency)
    assert isinstance(index, ConsultationIndexPage)
    assert index.agency_id == agency.pk
    assert index.get_parent().pk == agency.site.root_page_id
    assert index.slug == "consultations"
    assert index.live


def test_creates_collection_of_its_own():
    agency = create_agency(WATER)

    collection = agency.collection
    assert collection.name == WATER.name_en
    assert collection.get_parent() == Collection.get_first_root_node()
    assert Agency.objects.filter(collection=collection).count() == 1


def test_editor_group_has_exactly_the_agency_permissions():
    agency = create_agency(WATER)

    role_group = AgencyRoleGroup.objects.get(agency=agency, role=Role.EDITOR)
    group = role_group.group
    assert group.name == "dwr: editors"
    assert {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()} == {
        "wagtailadmin.access_admin"
    }
    page_perms = GroupPagePermission.objects.filter(group=group)
    assert {p.page_id for p in page_perms} == {agency.site.root_page_id}
    assert {p.permission.codename for p in page_perms} == {
        "add_page",
        "change_page",
        "publish_page",
        "lock_page",
        "unlock_page",
    }
    collection_perms = GroupCollectionPermission.objects.filter(group=group)
    assert {p.collection_id for p in collection_perms} == {agency.collection_id}
    assert {
        (p.permission.content_type.app_label, p.permission.codename) for p in collection_perms
    } == {
        ("wagtailimages", "add_image"),
        ("wagtailimages", "change_image"),
        ("wagtailimages", "choose_image"),
        ("wagtaildocs", "add_document"),
        ("wagtaildocs", "change_document"),
        ("wagtaildocs", "choose_document"),
    }
    # Editors may not delete: that stays with superusers (and keeps references intact).
    assert not {p.permission.codename for p in page_perms} & {"delete_page", "bulk_delete_page"}


def test_two_agencies_share_nothing():
    water = create_agency(WATER)
    pollution = create_agency(
        AgencySpec(
            slug="pcd",
            name_th="กรมควบคุมมลพิษ",
            name_en="Pollution Control Department",
            hostname="pcd.localhost",
        )
    )

    assert water.site_id != pollution.site_id
    assert water.collection_id != pollution.collection_id
    water_group = AgencyRoleGroup.objects.get(agency=water, role=Role.EDITOR).group
    assert not GroupPagePermission.objects.filter(
        group=water_group, page_id=pollution.site.root_page_id
    ).exists()
    assert not GroupCollectionPermission.objects.filter(
        group=water_group, collection_id=pollution.collection_id
    ).exists()
    assert_tree_sound()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hostname": "other.localhost"}, "slug"),
        ({"slug": "other"}, "site"),
    ],
    ids=["duplicate-slug", "duplicate-hostname-and-port"],
)
def test_duplicates_are_refused_and_nothing_is_created(change, message):
    create_agency(WATER)
    before = provisioned_counts()

    with pytest.raises(ValidationError, match=message):
        create_agency(AgencySpec(**{**WATER.__dict__, **change}))

    assert provisioned_counts() == before


def test_same_hostname_on_another_port_is_another_site():
    create_agency(WATER)

    other = create_agency(AgencySpec(**{**WATER.__dict__, "slug": "dwr-test", "port": 8081}))

    assert (other.site.hostname, other.site.port) == ("dwr.localhost", 8081)


def test_default_site_hostname_is_taken():
    """Wagtail's default site (localhost:80) exists from the migrations."""
    with pytest.raises(ValidationError, match="site"):
        create_agency(AgencySpec(**{**WATER.__dict__, "hostname": "localhost", "port": 80}))
    assert not Agency.objects.exists()


@pytest.mark.parametrize("slug", ["", "DWR", "dwr_water", "-dwr", "dwr-", "กรมน้ำ", "a" * 51])
def test_bad_slugs_are_refused(slug):
    before = provisioned_counts()

    with pytest.raises(ValidationError):
        create_agency(AgencySpec(**{**WATER.__dict__, "slug": slug}))

    assert provisioned_counts() == before


@pytest.mark.parametrize("names", [{"name_th": "  "}, {"name_en": ""}])
def test_both_names_are_required(names):
    with pytest.raises(ValidationError, match="Thai and an English name"):
        create_agency(AgencySpec(**{**WATER.__dict__, **names}))
    assert not Agency.objects.exists()


class Boom(RuntimeError):
    pass


def _explode(*args, **kwargs):
    raise Boom("simulated failure in the middle of provisioning")


@pytest.mark.parametrize(
    "manager",
    [
        GroupPagePermission.objects,
        GroupCollectionPermission.objects,
        AgencyRoleGroup.objects,
        Site.objects,
    ],
    ids=["page-permission", "collection-permission", "role-group", "site"],
)
def test_failure_midway_leaves_nothing_behind(monkeypatch, manager):
    create_agency(WATER)  # an existing agency must survive the failed one untouched
    before = provisioned_counts()
    monkeypatch.setattr(manager, "create", _explode)

    with pytest.raises(Boom):
        create_agency(
            AgencySpec(
                slug="pcd",
                name_th="กรมควบคุมมลพิษ",
                name_en="Pollution Control Department",
                hostname="pcd.localhost",
            )
        )

    monkeypatch.undo()
    assert provisioned_counts() == before
    assert not Agency.objects.filter(slug="pcd").exists()
    assert not Page.objects.filter(slug="pcd").exists()
    assert not Collection.objects.filter(name="Pollution Control Department").exists()
    assert not Group.objects.filter(name="pcd: editors").exists()
    assert_tree_sound()
    # And the same spec goes through once the fault is gone.
    assert (
        create_agency(
            AgencySpec(
                slug="pcd",
                name_th="กรมควบคุมมลพิษ",
                name_en="Pollution Control Department",
                hostname="pcd.localhost",
            )
        ).site.hostname
        == "pcd.localhost"
    )


def test_command_creates_agency():
    out = StringIO()

    call_command(
        "create_agency",
        "dwr",
        "--name-th=กรมทรัพยากรน้ำ",
        "--name-en=Department of Water Resources",
        "--hostname=dwr.localhost",
        "--port=8080",
        stdout=out,
    )

    assert out.getvalue().strip() == "Created agency dwr at dwr.localhost:8080"
    agency = Agency.objects.get(slug="dwr")
    assert agency.name_th == "กรมทรัพยากรน้ำ"
    assert (agency.site.hostname, agency.site.port) == ("dwr.localhost", 8080)
    assert isinstance(agency.site.root_page.specific, AgencyHomePage)
    assert AgencyRoleGroup.objects.filter(agency=agency, role=Role.EDITOR).exists()


def test_command_port_defaults_to_80():
    call_command(
        "create_agency",
        "dwr",
        "--name-th=กรมทรัพยากรน้ำ",
        "--name-en=Department of Water Resources",
        "--hostname=dwr.localhost",
        stdout=StringIO(),
    )
    assert Agency.objects.get(slug="dwr").site.port == 80


def test_command_refuses_duplicate_with_command_error():
    create_agency(WATER)
    before = provisioned_counts()

    with pytest.raises(CommandError, match="already exists"):
        call_command(
            "create_agency",
            "dwr",
            "--name-th=ซ้ำ",
            "--name-en=Duplicate",
            "--hostname=dup.localhost",
            stdout=StringIO(),
        )

    assert provisioned_counts() == before


def test_command_refuses_bad_slug_with_command_error():
    with pytest.raises(CommandError):
        call_command(
            "create_agency",
            "Bad Slug",
            "--name-th=ผิด",
            "--name-en=Wrong",
            "--hostname=bad.localhost",
            stdout=StringIO(),
        )
    assert not Agency.objects.exists()
