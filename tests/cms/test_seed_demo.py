"""`manage.py seed_demo`: the demo content a new user sees first, and that it is safe to re-run.

Seeding builds a few dozen pages with revisions, so the module seeds once (inside a transaction
rolled back at the end) and the tests read that state; each test runs in its own savepoint.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, PageViewRestriction, Revision, Site

from cms import demo
from cms.blocks import ConsultationBodyBlock
from cms.models import ConsultationPage, ConsultationPhase, InformationPage
from cms.phases import ConsultationStatus, PhaseKind
from participation.models import Comment, OfficialResponse, Proposal, Support
from permissions.models import Agency, Membership
from permissions.roles import Role

pytestmark = pytest.mark.django_db

SLUGS = ("water", "pcd")


def _counts() -> dict[str, int]:
    return {
        "agencies": Agency.objects.count(),
        "sites": Site.objects.count(),
        "pages": Page.objects.count(),
        "phases": ConsultationPhase.objects.count(),
        "images": get_image_model().objects.count(),
        "documents": get_document_model().objects.count(),
        "users": get_user_model().objects.count(),
        "memberships": Membership.objects.count(),
        "restrictions": PageViewRestriction.objects.count(),
        "proposals": Proposal.objects.count(),
        "comments": Comment.objects.count(),
        "supports": Support.objects.count(),
        "responses": OfficialResponse.objects.count(),
    }


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[str]:
    """Seed once for the module; yields the command's output. Rolled back afterwards."""
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(
            DEBUG=True,
            MEDIA_ROOT=str(media),
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
        # Embed blocks store only the URL: seeding must never reach the network.
        mock.patch("wagtail.embeds.embeds.get_embed", side_effect=AssertionError("network")),
        mock.patch("urllib.request.urlopen", side_effect=AssertionError("network")),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            assert not Agency.objects.exists(), "expected an empty test database"
            out = io.StringIO()
            call_command("seed_demo", stdout=out)
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _agency(slug: str) -> Agency:
    return Agency.objects.get(slug=slug)


def test_summary_names_urls_users_and_password(seeded):
    for text in (
        "http://localhost:8000/admin/",
        "http://localhost:8000/graphql/",
        "water.localhost",
        "pcd.localhost",
        demo.DEMO_PASSWORD,
        "water-editor",
        "citizen1",
    ):
        assert text in seeded


@pytest.mark.parametrize("slug", SLUGS)
def test_public_consultations_in_every_status(seeded, slug):
    agency = _agency(slug)
    public = ConsultationPage.objects.filter(agency=agency).live().public()
    for status in ConsultationStatus.values:
        assert public.with_status(status).exists(), (slug, status)
    current_kinds = {
        phase.kind
        for page in public.with_status(ConsultationStatus.OPEN)
        if (phase := page.current_phase()) is not None
    }
    assert {PhaseKind.PROPOSALS, PhaseKind.INFORMATION} <= current_kinds
    assert InformationPage.objects.filter(agency=agency, slug="about").live().public().exists()


@pytest.mark.parametrize("slug", SLUGS)
def test_draft_and_private_pages_are_not_public(seeded, slug):
    pages = ConsultationPage.objects.filter(agency=_agency(slug))
    drafts = pages.filter(live=False)
    assert drafts.exists()
    assert all(p.latest_revision_id and p.first_published_at is None for p in drafts)
    private = pages.live().filter(pk__in=PageViewRestriction.objects.values("page_id"))
    assert private.exists()
    public_ids = set(Page.objects.live().public().values_list("pk", flat=True))
    assert not public_ids & {p.pk for p in [*drafts, *private]}


def test_restriction_types_login_and_password(seeded):
    kinds = dict(PageViewRestriction.objects.values_list("page__slug", "restriction_type"))
    assert set(kinds.values()) == {PageViewRestriction.LOGIN, PageViewRestriction.PASSWORD}
    hotline = PageViewRestriction.objects.get(restriction_type=PageViewRestriction.PASSWORD)
    assert hotline.password == demo.PRIVATE_PAGE_PASSWORD


@pytest.mark.parametrize("slug", SLUGS)
def test_bodies_use_every_block_and_link_within_the_agency(seeded, slug):
    agency = _agency(slug)
    pages = [
        *ConsultationPage.objects.filter(agency=agency),
        *InformationPage.objects.filter(agency=agency),
    ]
    used = {block.block_type for page in pages for block in page.body}
    assert used == set(ConsultationBodyBlock().child_blocks)

    html = " ".join(
        block.value.source
        for page in pages
        for block in page.body
        if block.block_type == "rich_text"
    )
    page_ids = {int(i) for i in re.findall(r'<a linktype="page" id="(\d+)"', html)}
    image_ids = {int(i) for i in re.findall(r'<embed embedtype="image" id="(\d+)"', html)}
    assert page_ids and image_ids
    assert {p.specific.agency_id for p in Page.objects.filter(pk__in=page_ids)} == {agency.pk}
    images = get_image_model().objects.filter(pk__in=image_ids)
    assert images.count() == len(image_ids)
    assert {i.collection_id for i in images} == {agency.collection_id}


@pytest.mark.parametrize("slug", SLUGS)
def test_media_belongs_to_the_agency_collection(seeded, slug):
    agency = _agency(slug)
    consultations = ConsultationPage.objects.filter(agency=agency)
    heroes = {p.hero_image for p in consultations if p.hero_image}
    block_images = {
        b.value["image"] for p in consultations for b in p.body if b.block_type == "image"
    }
    block_docs = {
        b.value["document"] for p in consultations for b in p.body if b.block_type == "document"
    }
    assert heroes and block_images and block_docs
    for obj in heroes | block_images | block_docs:
        assert obj.collection_id == agency.collection_id, obj
    for img in heroes | block_images:
        assert img.description and img.width > 0 and img.file.size > 0
    for doc in block_docs:
        assert doc.file.size > 0
    pdf = next(d for d in block_docs if d.file.name.endswith(".pdf"))
    with pdf.open_file() as f:
        assert f.read(8) == b"%PDF-1.4"
    assert all(p.topics.exists() for p in consultations.live())


def test_every_role_user_has_its_role(seeded):
    users = get_user_model().objects
    for slug in SLUGS:
        agency = _agency(slug)
        for role in Role.values:
            user = users.get(username=f"{slug}-{role}")
            roles = set(Membership.objects.filter(user=user).values_list("agency__slug", "role"))
            assert roles == {(slug, role)}
            assert user.first_name and user.last_name
            assert user.check_password(demo.DEMO_PASSWORD)
        editors = users.filter(
            groups__agency_role__agency=agency, groups__agency_role__role="editor"
        )
        assert list(editors.values_list("username", flat=True)) == [f"{slug}-editor"]
    admin = users.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    for name in ("citizen1", "citizen2"):
        citizen = users.get(username=name)
        assert not citizen.memberships.exists() and not citizen.is_staff
        assert citizen.check_password(demo.DEMO_PASSWORD)


def test_running_twice_changes_no_counts(seeded):
    before = _counts()
    revisions = Revision.objects.count()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert _counts() == before
    assert "created: nothing" in out.getvalue()
    # Same day, same content: no new revisions either (phase dates are anchored to the day).
    if "updated: nothing" in out.getvalue():
        assert Revision.objects.count() == revisions


def test_reseeding_later_moves_dates_and_repairs_pages_without_new_rows(seeded):
    """A re-seed on a later day republishes with moved dates; edited demo pages come back."""
    page = ConsultationPage.objects.get(slug="flood-management-plan")
    first_start = page.phases.first().starts_at
    page.title = "edited by hand"
    page.save_revision().publish()
    before = _counts()

    later = timezone.now() + timedelta(days=3)
    result = demo.seed(now=later)

    assert _counts() == before
    assert not result.tally.created
    page.refresh_from_db()
    assert page.title.startswith("ร่างแผนบริหารจัดการน้ำท่วม")
    assert page.phases.first().starts_at == first_start + timedelta(days=3)
    for slug in SLUGS:
        public = ConsultationPage.objects.filter(agency__slug=slug).live().public()
        for status in ConsultationStatus.values:
            assert public.with_status(status, now=later).exists(), (slug, status)


def test_refuses_without_force_when_debug_is_off(seeded, settings):
    settings.DEBUG = False
    before = _counts()
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=io.StringIO())
    err = io.StringIO()
    call_command("seed_demo", force=True, stdout=io.StringIO(), stderr=err)
    assert "--force" in err.getvalue()
    assert _counts() == before


def test_docs_describe_every_demo_page_and_user():
    text = (Path(django_settings.BASE_DIR) / "docs" / "DEMO.md").read_text(encoding="utf-8")
    for agency in demo.AGENCIES:
        assert f"`{agency.spec.slug}`" in text and agency.spec.hostname in text
        for spec in agency.consultations:
            assert f"`{spec.slug}`" in text, spec.slug
    for user in demo.USERS:
        assert f"`{user.username}`" in text, user.username
    assert demo.DEMO_PASSWORD in text and demo.PRIVATE_PAGE_PASSWORD in text


def test_open_consultations_have_participation_with_exact_counters(seeded):
    assert "Participation (proposals, comments, supports, responses): 3 proposals" in seeded
    plan = ConsultationPage.objects.get(slug="flood-management-plan")
    proposals = Proposal.objects.filter(consultation=plan)
    assert proposals.count() == 2
    for proposal in proposals:
        assert proposal.support_count == proposal.supports.count()
        assert proposal.comment_count == proposal.comments.filter(is_deleted=False).count()
    answered = proposals.get(responses__isnull=False)
    assert answered.status == "under_review"
    assert Comment.objects.filter(proposal=answered, parent__isnull=False).count() == 1


def test_demo_proposals_answer_the_benchmark_query(seeded, client):
    from bench.operations import Q1

    payload = {"query": Q1, "variables": {"agency": "water", "slug": "flood-management-plan"}}
    response = client.post("/graphql/", json.dumps(payload), content_type="application/json")
    proposals = response.json()["data"]["consultation"]["proposals"]
    assert proposals["totalCount"] == 2
    first = proposals["edges"][0]["node"]
    assert first["author"]["displayName"] == "มานี มีนา"
    assert [e["node"]["body"] for e in first["comments"]["edges"]] == [
        "เห็นด้วยค่ะ ซอยบ้านเราน้ำท่วมขังทุกปีเพราะคลองตื้น"
    ]
