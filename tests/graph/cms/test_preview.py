"""Wagtail preview for a headless frontend: editors of the agency, by token, and nobody else."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cms.preview import PreviewToken, mint_preview_token
from tests.factories import make_consultation

pytestmark = pytest.mark.django_db

PREVIEW = """query ($t: String!) { pagePreview(token: $t) {
  __typename title ... on Consultation { intro status phases { title } } } }"""


def preview_through_admin(user, page) -> tuple[int, str | None]:
    """Click 'Preview' in Wagtail as `user`: POST the edit form, then GET the preview."""
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[page.pk])
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    if edit.status_code != 200:
        return edit.status_code, None
    form = {
        "title": "ชื่อร่างใหม่",
        "slug": page.slug,
        "intro": "บทนำฉบับร่าง",
        "body-count": "0",
        "phases-TOTAL_FORMS": "1",
        "phases-INITIAL_FORMS": "0",
        "phases-MIN_NUM_FORMS": "0",
        "phases-MAX_NUM_FORMS": "1000",
        "phases-0-title": "ระยะเดียว",
        "phases-0-kind": "information",
        "phases-0-starts_at": (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
        "phases-0-ends_at": (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
        "phases-0-ORDER": "1",
        "topics": "",
        "comment_notifications": "",
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0",
        "comments-MAX_NUM_FORMS": "1000",
    }
    posted = client.post(url, form)
    assert posted.status_code == 200, posted.content[:500]
    assert posted.json().get("is_valid"), posted.json()
    shown = client.get(url)
    match = re.search(rb'id="preview-token">([^<]+)<', shown.content)
    return shown.status_code, match.group(1).decode() if match else None


def test_editor_previews_a_draft_through_the_frontend(gql, agency_a, editor_a):
    page = make_consultation(agency_a, "ฉบับเผยแพร่", slug="published", intro="บทนำเดิม")
    status, token = preview_through_admin(editor_a, page)
    assert status == 200 and token
    data = gql.ok(PREVIEW, {"t": token})["pagePreview"]
    assert data["__typename"] == "Consultation"
    assert data["title"] == "ชื่อร่างใหม่"
    assert data["intro"] == "บทนำฉบับร่าง"
    assert data["status"] == "OPEN"
    assert {"title": "ระยะเดียว"} in data["phases"]
    # The live page is untouched by a preview.
    live = gql.ok('{ consultation(agency: "agency-a", slug: "published") { title intro } }')
    assert live["consultation"] == {"title": "ฉบับเผยแพร่", "intro": "บทนำเดิม"}


def test_editor_of_another_agency_cannot_preview(agency_a, editor_b):
    page = make_consultation(agency_a, "ของ A", slug="a-only")
    status, token = preview_through_admin(editor_b, page)
    assert token is None
    assert status in (302, 403)
    assert not PreviewToken.objects.exists()


def test_only_preview_rights_mint_tokens(agency_a, make_member):
    from cms.preview import PreviewNotAllowed
    from permissions.roles import Role

    page = make_consultation(agency_a, "ร่าง", slug="d", live=False)
    moderator = make_member(agency_a, Role.MODERATOR)
    with pytest.raises(PreviewNotAllowed):
        mint_preview_token(page, moderator)


@pytest.mark.parametrize("token", ["", "forged-token", "x" * 500])
def test_forged_tokens_are_refused(gql, agency_a, token):
    result = gql.execute(PREVIEW, {"t": token})
    assert result.data == {"pagePreview": None}
    assert result.codes == ["PREVIEW_TOKEN_INVALID"]


def test_expired_token_is_refused(gql, agency_a, editor_a):
    page = make_consultation(agency_a, "ร่าง", slug="draft", live=False)
    token = mint_preview_token(page, editor_a)
    assert gql.ok(PREVIEW, {"t": token})["pagePreview"]["title"] == "ร่าง"
    PreviewToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert gql.execute(PREVIEW, {"t": token}).codes == ["PREVIEW_TOKEN_INVALID"]


def test_token_dies_with_the_editors_role(gql, agency_a, editor_a):
    from permissions.memberships import revoke_role
    from permissions.roles import Role

    page = make_consultation(agency_a, "ร่าง", slug="draft", live=False)
    token = mint_preview_token(page, editor_a)
    revoke_role(agency_a, editor_a, Role.EDITOR)
    assert gql.execute(PREVIEW, {"t": token}).codes == ["PREVIEW_TOKEN_INVALID"]


def test_tokens_are_stored_hashed(agency_a, editor_a):
    page = make_consultation(agency_a, "ร่าง", slug="draft", live=False)
    token = mint_preview_token(page, editor_a)
    stored = PreviewToken.objects.get()
    assert token not in stored.token_hash and len(stored.token_hash) == 64
