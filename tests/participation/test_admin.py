"""The Wagtail admin for agency staff: lists narrowed to their agencies, actions via services."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from participation.models import Comment, OfficialResponse, Proposal, Report
from permissions.models import Membership
from permissions.roles import Role
from tests.factories import UserFactory
from tests.participation.conftest import make_comment, make_proposal

pytestmark = pytest.mark.django_db


def admin_client(user) -> Client:
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def rows(consultation, consultation_in, agency_b, author):
    other = consultation_in("proposals", agency=agency_b)
    mine = make_proposal(consultation, author, title="proposal-in-a")
    theirs = make_proposal(other, author, title="proposal-in-b")
    make_comment(consultation, author, proposal=mine, body="comment-in-a")
    make_comment(other, author, proposal=theirs, body="comment-in-b")
    for proposal, reason in ((mine, "reason-agency-a"), (theirs, "reason-agency-b")):
        Report.objects.create(
            agency_id=proposal.agency_id, proposal=proposal, reporter=author, reason=reason
        )
    return mine, theirs


def test_moderator_sees_only_their_agency(rows, moderator_a):
    client = admin_client(moderator_a)
    for url, mine, theirs in [
        ("/admin/participation/proposals/", "proposal-in-a", "proposal-in-b"),
        ("/admin/participation/comments/", "comment-in-a", "comment-in-b"),
        ("/admin/participation/reports/", "reason-agency-a", "reason-agency-b"),
    ]:
        page = client.get(url)
        assert page.status_code == 200, url
        assert mine in page.text and theirs not in page.text, url
    assert client.get(f"/admin/participation/proposals/{rows[1].pk}/").status_code == 404
    assert client.get("/admin/participation/roles/").status_code == 404


def test_superuser_sees_everything(rows, superuser):
    page = Client()
    page.force_login(superuser)
    text = page.get("/admin/participation/proposals/").text
    assert "proposal-in-a" in text and "proposal-in-b" in text


def test_filters_and_search(rows, moderator_a, consultation, author):
    make_proposal(consultation, author, title="hidden-one", is_hidden=True)
    client = admin_client(moderator_a)
    text = client.get("/admin/participation/proposals/?hidden=yes").text
    assert "hidden-one" in text and "proposal-in-a" not in text
    text = client.get("/admin/participation/proposals/?q=IN-A").text
    assert "proposal-in-a" in text and "hidden-one" not in text


def test_participant_has_no_staff_pages(rows, participant):
    client = admin_client(participant)
    assert client.get("/admin/participation/proposals/").status_code == 404


def test_hide_and_respond_go_through_services(rows, moderator_a, responder_a):
    mine = rows[0]
    url = f"/admin/participation/proposals/{mine.pk}/"
    client = admin_client(moderator_a)
    assert client.post(url, {"action": "hide", "reason": "spam"}).status_code == 302
    assert Proposal.objects.get(pk=mine.pk).is_hidden
    assert Report.objects.get(reason="reason-agency-a").resolved_by == moderator_a
    # a moderator is not a responder: the service refuses, nothing is written
    client.post(url, {"action": "respond", "status": "accepted", "text": "yes"})
    assert not OfficialResponse.objects.exists()
    responder = admin_client(responder_a)
    assert responder.post(url, {"action": "respond", "status": "accepted", "text": "yes"})
    assert Proposal.objects.get(pk=mine.pk).status == "accepted"
    # a responder cannot unhide
    responder.post(url, {"action": "unhide"})
    assert Proposal.objects.get(pk=mine.pk).is_hidden


def test_comment_actions(rows, moderator_a):
    comment = Comment.objects.get(body="comment-in-a")
    client = admin_client(moderator_a)
    client.post(
        "/admin/participation/comments/",
        {"comment": comment.pk, "action": "hide", "reason": "rude"},
    )
    assert Comment.objects.get(pk=comment.pk).is_hidden
    other = Comment.objects.get(body="comment-in-b")
    response = client.post(
        "/admin/participation/comments/", {"comment": other.pk, "action": "delete"}
    )
    assert response.status_code == 404
    assert not Comment.objects.get(pk=other.pk).is_deleted
    assert client.post("/admin/participation/comments/", {"comment": "x"}).status_code == 404


def test_agency_admin_grants_and_revokes(agency_a, agency_b, admin_a, consultation):
    target = UserFactory(email="new.moderator@example.org")
    client = admin_client(admin_a)
    page = client.get("/admin/participation/roles/")
    assert page.status_code == 200
    client.post(
        "/admin/participation/roles/",
        {
            "action": "grant",
            "agency": agency_a.pk,
            "email": "NEW.moderator@example.org",
            "role": Role.MODERATOR,
        },
    )
    membership = Membership.objects.get(user=target, role=Role.MODERATOR)
    assert membership.agency == agency_a
    # another agency is not offered (the form refuses it)
    client.post(
        "/admin/participation/roles/",
        {"action": "grant", "agency": agency_b.pk, "email": target.email, "role": Role.ADMIN},
    )
    assert not Membership.objects.filter(agency=agency_b, user=target).exists()
    client.post("/admin/participation/roles/", {"action": "revoke", "membership": membership.pk})
    assert not Membership.objects.filter(pk=membership.pk).exists()
