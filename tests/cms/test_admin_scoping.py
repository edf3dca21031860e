"""Agency editors are scoped in the Wagtail admin, checked through the admin views themselves.

The groups that `create_agency` provisions give an editor page permissions on their agency's
home page and collection permissions on their agency's collection only; these tests go through
the explorer, page editor, image and document views over HTTP to show that this holds in
practice. Wagtail refuses a forbidden admin view by redirecting to the dashboard with an error
message (or 403 for some requests); `assert_refused` accepts either.
"""

from __future__ import annotations

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Page
from wagtail.test.utils.form_data import nested_form_data, querydict_from_html, streamfield

from cms.agencies import consultation_index
from cms.models import ConsultationPage
from permissions.memberships import grant_role
from permissions.roles import Role
from tests.factories import make_consultation

pytestmark = pytest.mark.django_db

Image = get_image_model()
Document = get_document_model()

TITLE_A = "แผนจัดการน้ำท่วม"
TITLE_B = "แผนลดฝุ่นควัน"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads go to a throwaway directory, never the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


def admin_client(user) -> Client:
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


@pytest.fixture
def client_a(editor_a) -> Client:
    return admin_client(editor_a)


@pytest.fixture
def consultation_a(agency_a) -> ConsultationPage:
    return make_consultation(agency_a, TITLE_A, slug="flood-plan")


@pytest.fixture
def consultation_b(agency_b) -> ConsultationPage:
    return make_consultation(agency_b, TITLE_B, slug="dust-plan")


def png(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, get_test_image_file().file.getvalue(), "image/png")


@pytest.fixture
def images(agency_a, agency_b):
    image_a = Image.objects.create(
        title="ภาพเขื่อนภูมิพล", file=get_test_image_file("dam.png"), collection=agency_a.collection
    )
    image_b = Image.objects.create(
        title="ภาพหมอกควัน", file=get_test_image_file("smog.png"), collection=agency_b.collection
    )
    return image_a, image_b


@pytest.fixture
def documents(agency_a, agency_b):
    doc_a = Document.objects.create(
        title="รายงานระดับน้ำ",
        file=ContentFile(b"water levels", name="water.txt"),
        collection=agency_a.collection,
    )
    doc_b = Document.objects.create(
        title="รายงานคุณภาพอากาศ",
        file=ContentFile(b"air quality", name="air.txt"),
        collection=agency_b.collection,
    )
    return doc_a, doc_b


def assert_refused(response: HttpResponse) -> None:
    """Wagtail's refusal: 403, or a redirect to the dashboard carrying an error message."""
    if response.status_code == 403:
        return
    assert response.status_code == 302, response.status_code
    assert response["Location"] == reverse("wagtailadmin_home")
    levels = [m.level for m in get_messages(response.wsgi_request)]
    assert messages.ERROR in levels, levels


def listed_ids(response: HttpResponse) -> set[int]:
    assert response.status_code == 200, response.status_code
    return {obj.pk for obj in response.context["object_list"]}


def edit_url(page: Page) -> str:
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def explore_url(page: Page) -> str:
    return reverse("wagtailadmin_explore", args=[page.pk])


def edit_form_data(client: Client, page: Page, **changes: str):
    """The edit form as the admin renders it, with `changes` applied, ready to POST back."""
    response = client.get(edit_url(page))
    assert response.status_code == 200
    data = querydict_from_html(response.content.decode(), form_id="page-edit-form")
    # The StreamField editor builds its inputs in JavaScript; an empty body posts just a count.
    data.update(nested_form_data({"body": streamfield([])}))
    # Browsers drop the newline Django puts after <textarea>; the HTML parser keeps it.
    for name in ("intro", "search_description"):
        data[name] = data.get(name, "").removeprefix("\n")
    for name, value in changes.items():
        data[name] = value
    return data


# --- (a) page explorer --------------------------------------------------------------------


def test_explorer_root_opens_on_own_agency_home(client_a, agency_a):
    response = client_a.get(reverse("wagtailadmin_explore_root"))

    assert response.status_code == 302
    assert response["Location"] == explore_url(agency_a.site.root_page)


def test_explorer_lists_own_pages(client_a, agency_a, consultation_a, consultation_b):
    index_a = consultation_index(agency_a)

    assert listed_ids(client_a.get(explore_url(agency_a.site.root_page))) == {index_a.pk}
    response = client_a.get(explore_url(index_a))
    assert listed_ids(response) == {consultation_a.pk}
    body = response.content.decode()
    assert edit_url(consultation_a) in body
    assert edit_url(consultation_b) not in body
    assert TITLE_B not in body


@pytest.mark.parametrize("which", ["home", "index"])
def test_explorer_of_other_agency_goes_back_to_own_home(
    client_a, agency_a, agency_b, consultation_b, which
):
    page_b = agency_b.site.root_page if which == "home" else consultation_index(agency_b)

    response = client_a.get(explore_url(page_b))

    assert response.status_code == 302
    assert response["Location"] == explore_url(agency_a.site.root_page)


def test_superuser_explores_every_agency(superuser, agency_b, consultation_b):
    """Control: the redirects above come from the editor's rights, not a broken tree."""
    client = admin_client(superuser)
    assert listed_ids(client.get(explore_url(consultation_index(agency_b)))) == {consultation_b.pk}


def test_page_search_finds_only_own_pages(client_a, superuser, consultation_a, consultation_b):
    url = reverse("wagtailadmin_pages:search")

    assert listed_ids(client_a.get(url, {"q": "แผน"})) == {consultation_a.pk}
    # Control: the same query finds both for a superuser.
    assert listed_ids(admin_client(superuser).get(url, {"q": "แผน"})) >= {
        consultation_a.pk,
        consultation_b.pk,
    }


# --- (b) page editor ----------------------------------------------------------------------


def test_editor_saves_a_draft_revision_of_own_consultation(client_a, editor_a, consultation_a):
    revisions_before = consultation_a.revisions.count()
    data = edit_form_data(client_a, consultation_a, title="แผนจัดการน้ำท่วม (ฉบับปรับปรุง)")

    response = client_a.post(edit_url(consultation_a), data)

    assert response.status_code == 302, response.context and response.context["form"].errors
    assert response["Location"] == edit_url(consultation_a)
    page = ConsultationPage.objects.get(pk=consultation_a.pk)
    assert page.revisions.count() == revisions_before + 1
    latest = page.get_latest_revision()
    assert latest.content["title"] == "แผนจัดการน้ำท่วม (ฉบับปรับปรุง)"
    assert latest.user_id == editor_a.pk
    assert page.title == TITLE_A  # a draft: the live page is unchanged
    assert page.has_unpublished_changes


def test_editor_publishes_own_consultation(client_a, consultation_a):
    data = edit_form_data(client_a, consultation_a, title="แผนจัดการน้ำท่วม ฉบับที่ 2")
    data["action-publish"] = "action-publish"

    response = client_a.post(edit_url(consultation_a), data)

    assert response.status_code == 302
    page = ConsultationPage.objects.get(pk=consultation_a.pk)
    assert page.title == "แผนจัดการน้ำท่วม ฉบับที่ 2"
    assert page.live and not page.has_unpublished_changes


def test_editor_cannot_open_other_agency_edit_view(client_a, consultation_b):
    assert_refused(client_a.get(edit_url(consultation_b)))


def test_editor_cannot_post_to_other_agency_edit_view(
    client_a, superuser, consultation_a, consultation_b
):
    # A complete, valid form for B's page, as a superuser would see it.
    data = edit_form_data(admin_client(superuser), consultation_b, title="ถูกแก้โดยคนนอก")
    revisions_before = consultation_b.revisions.count()

    assert_refused(client_a.post(edit_url(consultation_b), data))

    page = ConsultationPage.objects.get(pk=consultation_b.pk)
    assert page.revisions.count() == revisions_before
    assert page.title == TITLE_B
    assert page.get_latest_revision().content["title"] == TITLE_B


@pytest.mark.parametrize("target", ["home", "index"])
def test_editor_cannot_edit_or_add_under_other_agency(client_a, agency_b, target):
    page_b = agency_b.site.root_page if target == "home" else consultation_index(agency_b)

    assert_refused(client_a.get(edit_url(page_b)))
    assert_refused(client_a.get(reverse("wagtailadmin_pages:add_subpage", args=[page_b.pk])))


# --- (4) moving and copying across agencies -------------------------------------------------


def test_editor_cannot_move_own_page_into_other_agency(
    client_a, agency_a, agency_b, consultation_a
):
    index_a, index_b = consultation_index(agency_a), consultation_index(agency_b)

    response = client_a.post(
        reverse("wagtailadmin_pages:move_confirm", args=[consultation_a.pk, index_b.pk])
    )

    assert_refused(response)
    page = ConsultationPage.objects.get(pk=consultation_a.pk)
    assert page.get_parent().pk == index_a.pk
    assert page.agency_id == agency_a.pk


def test_editor_cannot_copy_into_other_agency(client_a, agency_a, agency_b, consultation_a):
    url = reverse("wagtailadmin_pages:copy", args=[consultation_a.pk])
    form = {"new_title": "สำเนาแผน", "new_slug": "copied-plan"}

    refused = client_a.post(url, {**form, "new_parent_page": consultation_index(agency_b).pk})

    assert refused.status_code == 200
    assert "new_parent_page" in refused.context["form"].errors
    assert not Page.objects.filter(slug="copied-plan").exists()

    # Control: the same copy inside the editor's own agency goes through.
    allowed = client_a.post(url, {**form, "new_parent_page": consultation_index(agency_a).pk})
    assert allowed.status_code == 302
    copy = ConsultationPage.objects.get(slug="copied-plan")
    assert copy.agency_id == agency_a.pk


# --- (c) images -----------------------------------------------------------------------------


def test_image_listing_shows_only_own_collection(client_a, superuser, images):
    image_a, image_b = images

    response = client_a.get(reverse("wagtailimages:index"))

    assert listed_ids(response) == {image_a.pk}
    assert image_b.title not in response.content.decode()
    # Control: both exist and a superuser sees both.
    assert listed_ids(admin_client(superuser).get(reverse("wagtailimages:index"))) == {
        image_a.pk,
        image_b.pk,
    }


def test_editor_edits_own_image_but_not_other_agency_image(client_a, images):
    image_a, image_b = images

    assert client_a.get(reverse("wagtailimages:edit", args=[image_a.pk])).status_code == 200
    assert_refused(client_a.get(reverse("wagtailimages:edit", args=[image_b.pk])))
    assert_refused(
        client_a.post(
            reverse("wagtailimages:edit", args=[image_b.pk]),
            {"title": "ถูกแก้โดยคนนอก", "collection": image_b.collection_id},
        )
    )
    assert_refused(client_a.post(reverse("wagtailimages:delete", args=[image_b.pk])))

    image_b.refresh_from_db()
    assert image_b.title == "ภาพหมอกควัน"


# --- (d) documents --------------------------------------------------------------------------


def test_document_listing_shows_only_own_collection(client_a, superuser, documents):
    doc_a, doc_b = documents

    response = client_a.get(reverse("wagtaildocs:index"))

    assert listed_ids(response) == {doc_a.pk}
    assert doc_b.title not in response.content.decode()
    assert listed_ids(admin_client(superuser).get(reverse("wagtaildocs:index"))) == {
        doc_a.pk,
        doc_b.pk,
    }


def test_editor_edits_own_document_but_not_other_agency_document(client_a, documents):
    doc_a, doc_b = documents

    assert client_a.get(reverse("wagtaildocs:edit", args=[doc_a.pk])).status_code == 200
    assert_refused(client_a.get(reverse("wagtaildocs:edit", args=[doc_b.pk])))
    assert_refused(
        client_a.post(reverse("wagtaildocs:edit", args=[doc_b.pk]), {"title": "ถูกแก้โดยคนนอก"})
    )
    assert_refused(client_a.post(reverse("wagtaildocs:delete", args=[doc_b.pk])))

    doc_b.refresh_from_db()
    assert doc_b.title == "รายงานคุณภาพอากาศ"


# --- (e) uploads land in the editor's collection --------------------------------------------


def test_image_add_form_offers_no_other_collection(client_a):
    """With one permitted collection Wagtail leaves the choice out and uses that collection."""
    response = client_a.get(reverse("wagtailimages:add"))

    assert response.status_code == 200
    assert "collection" not in response.context["form"].fields


def test_uploaded_image_goes_to_own_collection_even_if_other_is_posted(
    client_a, agency_a, agency_b
):
    response = client_a.post(
        reverse("wagtailimages:add"),
        {
            "title": "ภาพอ่างเก็บน้ำ",
            "file": png("reservoir.png"),
            "collection": agency_b.collection_id,
        },
    )

    assert response.status_code == 302
    image = Image.objects.get(title="ภาพอ่างเก็บน้ำ")
    assert image.collection_id == agency_a.collection_id


def test_multiple_upload_goes_to_own_collection(client_a, agency_a, agency_b):
    response = client_a.post(
        reverse("wagtailimages:add_multiple"),
        {"files[]": png("canal.png"), "collection": agency_b.collection_id},
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )

    assert response.status_code == 200
    assert response.json()["success"] is True
    image = Image.objects.get(pk=response.json()["image_id"])
    assert image.collection_id == agency_a.collection_id


def test_uploaded_document_goes_to_own_collection(client_a, agency_a, agency_b):
    form = client_a.get(reverse("wagtaildocs:add")).context["form"]
    assert "collection" not in form.fields

    response = client_a.post(
        reverse("wagtaildocs:add"),
        {
            "title": "ประกาศรับฟังความคิดเห็น",
            "file": SimpleUploadedFile("notice.txt", "ประกาศ".encode(), "text/plain"),
            "collection": agency_b.collection_id,
        },
    )

    assert response.status_code == 302
    document = Document.objects.get(title="ประกาศรับฟังความคิดเห็น")
    assert document.collection_id == agency_a.collection_id


def test_editor_of_two_agencies_chooses_between_exactly_those(make_member, agency_a, agency_b):
    user = make_member(agency_a, Role.EDITOR)
    grant_role(agency_b, user, Role.EDITOR)

    form = admin_client(user).get(reverse("wagtailimages:add")).context["form"]

    assert {c.pk for c in form.fields["collection"].queryset} == {
        agency_a.collection_id,
        agency_b.collection_id,
    }
