"""The Wagtail admin agency list and provisioning form: superusers only, all or nothing."""

from __future__ import annotations

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from wagtail.models import GroupPagePermission

from cms import admin_views
from cms.models import AgencyHomePage
from permissions.memberships import grant_role
from permissions.models import Agency, AgencyRoleGroup
from permissions.roles import Role
from tests.cms.test_agencies import provisioned_counts
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

INDEX = reverse("ruamkhid_agencies:index")
ADD = reverse("ruamkhid_agencies:add")

VALID = {
    "slug": "dwr",
    "name_th": "กรมทรัพยากรน้ำ",
    "name_en": "Department of Water Resources",
    "hostname": "dwr.localhost",
    "port": "8080",
}


def admin_client(user) -> Client:
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


@pytest.fixture
def root_client(superuser) -> Client:
    return admin_client(superuser)


def assert_refused(response) -> None:
    """Wagtail turns PermissionDenied in admin views into a dashboard redirect with an error."""
    if response.status_code == 403:
        return
    assert response.status_code == 302, response.status_code
    assert response["Location"] == reverse("wagtailadmin_home")
    assert messages.ERROR in [m.level for m in get_messages(response.wsgi_request)]


# --- listing --------------------------------------------------------------------------------


def test_superuser_lists_agencies_with_site_hostname(root_client, agency_a, agency_b):
    response = root_client.get(INDEX)

    assert response.status_code == 200
    assert {a.pk for a in response.context["object_list"]} == {agency_a.pk, agency_b.pk}
    body = response.content.decode()
    for agency in (agency_a, agency_b):
        assert agency.name_th in body
        assert agency.name_en in body
        assert agency.site.hostname in body
    assert ADD in body


def test_listing_shows_non_default_port(root_client):
    root_client.post(ADD, VALID)

    assert "dwr.localhost:8080" in root_client.get(INDEX).content.decode()


def test_menu_item_for_superusers_only(root_client, editor_a):
    assert INDEX in root_client.get(reverse("wagtailadmin_home")).content.decode()

    editor_home = admin_client(editor_a).get(reverse("wagtailadmin_home"))
    assert editor_home.status_code == 200
    assert INDEX not in editor_home.content.decode()


# --- who may ------------------------------------------------------------------------------


@pytest.fixture(params=["editor", "agency-admin", "staff"])
def non_superuser(request, make_member, agency_a):
    """Users who reach the Wagtail admin but must not manage tenants."""
    if request.param == "editor":
        return make_member(agency_a, Role.EDITOR)
    if request.param == "agency-admin":
        user = make_member(agency_a, Role.ADMIN)
        # An agency admin who also edits pages reaches the admin through the editor group.
        grant_role(agency_a, user, Role.EDITOR)
        return user
    return make_member(agency_a, Role.EDITOR, is_staff=True)


def test_non_superusers_are_refused(non_superuser):
    client = admin_client(non_superuser)
    before = provisioned_counts()

    assert_refused(client.get(INDEX))
    assert_refused(client.get(ADD))
    assert_refused(client.post(ADD, VALID))

    assert provisioned_counts() == before
    assert not Agency.objects.filter(slug="dwr").exists()


def test_anonymous_is_sent_to_login():
    response = Client(HTTP_HOST="localhost").get(ADD)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))


def test_user_without_admin_access_is_sent_to_login():
    client = admin_client(UserFactory())

    response = client.post(ADD, VALID)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))
    assert not Agency.objects.exists()


# --- creating -------------------------------------------------------------------------------


def test_form_renders(root_client):
    response = root_client.get(ADD)

    assert response.status_code == 200
    assert set(response.context["form"].fields) == {
        "slug",
        "name_th",
        "name_en",
        "hostname",
        "port",
    }
    assert response.context["form"]["port"].value() == 80


def test_superuser_creates_agency_through_create_agency(root_client, monkeypatch):
    calls = []
    real = admin_views.create_agency
    monkeypatch.setattr(admin_views, "create_agency", lambda spec: calls.append(spec) or real(spec))

    response = root_client.post(ADD, {**VALID, "hostname": "DWR.Localhost"})

    assert response.status_code == 302
    assert response["Location"] == INDEX
    assert [spec.slug for spec in calls] == ["dwr"]  # the one provisioning implementation
    agency = Agency.objects.get(slug="dwr")
    assert (agency.name_th, agency.name_en) == (VALID["name_th"], VALID["name_en"])
    assert (agency.site.hostname, agency.site.port) == ("dwr.localhost", 8080)
    home = agency.site.root_page.specific
    assert isinstance(home, AgencyHomePage) and home.agency_id == agency.pk
    assert AgencyRoleGroup.objects.filter(agency=agency, role=Role.EDITOR).exists()
    assert [m.level for m in get_messages(response.wsgi_request)] == [messages.SUCCESS]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"slug": "agency-a", "hostname": "new.localhost"}, "slug"),
        ({"slug": "Bad Slug"}, "slug"),
        ({"slug": "-dwr"}, "slug"),
        ({"slug": ""}, "slug"),
        ({"name_th": ""}, "name_th"),
        ({"name_en": ""}, "name_en"),
        ({"hostname": "agency-a.localhost", "port": "80"}, "hostname"),
        ({"hostname": "localhost", "port": "80"}, "hostname"),  # Wagtail's default site
        ({"hostname": "https://dwr.localhost/"}, "hostname"),
        ({"hostname": "dwr localhost"}, "hostname"),
        ({"port": "0"}, "port"),
        ({"port": "70000"}, "port"),
    ],
    ids=[
        "duplicate-slug",
        "slug-with-space",
        "slug-leading-hyphen",
        "slug-missing",
        "thai-name-missing",
        "english-name-missing",
        "duplicate-site",
        "default-site",
        "hostname-with-scheme",
        "hostname-with-space",
        "port-zero",
        "port-too-big",
    ],
)
def test_invalid_input_is_shown_on_the_form_and_nothing_is_created(
    root_client, agency_a, change, field
):
    before = provisioned_counts()

    response = root_client.post(ADD, {**VALID, **change})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert 'class="error-message"' in response.content.decode()
    assert provisioned_counts() == before


def test_refusal_from_create_agency_is_shown_as_form_error(root_client, agency_a, monkeypatch):
    """A duplicate the form missed (say a concurrent request) is still refused cleanly."""
    monkeypatch.setattr(admin_views.AgencyCreateForm, "clean_slug", lambda form: "agency-a")
    before = provisioned_counts()

    response = root_client.post(ADD, {**VALID, "slug": "agency-a"})

    assert response.status_code == 200
    assert "already exists" in " ".join(response.context["form"].non_field_errors())
    assert "already exists" in response.content.decode()
    assert provisioned_counts() == before


class Boom(RuntimeError):
    pass


def test_failure_midway_through_the_admin_leaves_nothing(root_client, agency_a, monkeypatch):
    def explode(*args, **kwargs):
        raise Boom("simulated failure")

    monkeypatch.setattr(GroupPagePermission.objects, "create", explode)
    before = provisioned_counts()

    with pytest.raises(Boom):
        root_client.post(ADD, VALID)

    monkeypatch.undo()
    assert provisioned_counts() == before
    assert not Agency.objects.filter(slug="dwr").exists()
