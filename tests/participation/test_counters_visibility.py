"""Counter columns stay exact; visibility is one queryset filter deciding who sees what."""

from __future__ import annotations

import pytest
from django.db.models import Count, Q
from guardian.shortcuts import assign_perm
from wagtail.models import PageViewRestriction

from participation import services
from participation.models import Comment, Proposal
from participation.refusals import Refused
from participation.visibility import (
    get_visible_proposal,
    visible_comments,
    visible_proposals,
)
from tests.factories import UserFactory
from tests.participation.conftest import make_proposal

pytestmark = pytest.mark.django_db


def assert_counters_exact() -> None:
    for p in Proposal.objects.annotate(
        supports_n=Count("supports", distinct=True),
        comments_n=Count(
            "comments",
            filter=Q(comments__is_hidden=False, comments__is_deleted=False),
            distinct=True,
        ),
    ):
        assert (p.support_count, p.comment_count) == (p.supports_n, p.comments_n), p.pk


def test_counters_follow_every_write(consultation, participant, author, moderator_a):
    proposal = make_proposal(consultation, author)
    users = [UserFactory() for _ in range(3)]
    for user in users:
        proposal = services.support_proposal(user, proposal)
    assert proposal.support_count == 3
    proposal = services.withdraw_support(users[0], proposal)
    assert proposal.support_count == 2

    a = services.add_comment(participant, proposal=proposal, body="a")
    b = services.add_comment(participant, parent=a, body="b")
    c = services.add_comment(author, parent=b, body="c")
    services.add_comment(participant, consultation=consultation, body="on the consultation")
    assert Proposal.objects.get(pk=proposal.pk).comment_count == 3
    services.hide_content(moderator_a, b, reason="rude")
    services.hide_content(moderator_a, b, reason="rude again")  # idempotent
    assert Proposal.objects.get(pk=proposal.pk).comment_count == 2
    services.delete_comment(moderator_a, Comment.objects.get(pk=b.pk))  # hidden: not counted
    assert Proposal.objects.get(pk=proposal.pk).comment_count == 2
    services.unhide_content(moderator_a, Comment.objects.get(pk=b.pk))  # deleted: still not
    assert Proposal.objects.get(pk=proposal.pk).comment_count == 2
    services.delete_comment(author, c)
    assert Proposal.objects.get(pk=proposal.pk).comment_count == 1
    assert_counters_exact()


def test_public_sees_only_visible_content(
    consultation,
    consultation_in,
    agency_b,
    participant,
    author,
    moderator_a,
    moderator_b,
    scoped_moderator,
    superuser,
):
    shown = make_proposal(consultation, author, title="shown")
    hidden = make_proposal(consultation, author, title="hidden", is_hidden=True)
    draft = consultation_in("proposals", live=False)
    in_draft = make_proposal(draft, author, title="in draft")
    other = consultation_in("proposals", agency=agency_b)
    hidden_b = make_proposal(other, author, title="hidden in b", is_hidden=True)

    def titles(user):
        return set(visible_proposals(Proposal.objects.all(), user).values_list("title", flat=True))

    assert titles(None) == {"shown"}
    assert titles(participant) == {"shown"}
    assert titles(author) == {"shown", "hidden", "hidden in b"}
    assert titles(moderator_a) == {"shown", "hidden", "in draft"}
    assert titles(moderator_b) == {"shown", "hidden in b"}
    assert titles(scoped_moderator) == {"shown", "hidden"}
    assert titles(superuser) == {"shown", "hidden", "in draft", "hidden in b"}
    with pytest.raises(Refused) as exc:
        get_visible_proposal(participant, hidden.pk)
    assert exc.value.code == "NOT_FOUND"
    assert get_visible_proposal(participant, shown.pk) == shown
    with pytest.raises(Refused):
        get_visible_proposal(participant, "not-a-number")
    assert in_draft and hidden_b


def test_group_object_permission_counts_too(consultation, author):
    from django.contrib.auth.models import Group

    make_proposal(consultation, author, is_hidden=True)
    user = UserFactory()
    group = Group.objects.create(name="consultation moderators")
    user.groups.add(group)
    assign_perm("moderate", group, consultation)
    assert visible_proposals(Proposal.objects.all(), user).count() == 1


def test_restricted_consultation_is_not_public(consultation, author, participant):
    make_proposal(consultation, author)
    assert visible_proposals(Proposal.objects.all(), None).count() == 1
    PageViewRestriction.objects.create(
        page=consultation.get_parent(), restriction_type="password", password="secret"
    )
    assert visible_proposals(Proposal.objects.all(), None).count() == 0
    consultation.refresh_from_db()
    with pytest.raises(Refused) as exc:
        services.submit_proposal(participant, consultation, title="title", body="long body here")
    assert exc.value.code == "CONSULTATION_NOT_PUBLIC"


def test_comments_of_hidden_proposals_are_hidden(consultation, author, participant, moderator_a):
    proposal = make_proposal(consultation, author)
    services.add_comment(participant, proposal=proposal, body="visible")
    hidden_comment = services.add_comment(participant, proposal=proposal, body="hidden")
    services.add_comment(participant, consultation=consultation, body="on consultation")
    services.hide_content(moderator_a, hidden_comment, reason="rude")

    def bodies(user):
        return set(visible_comments(Comment.objects.all(), user).values_list("body", flat=True))

    assert bodies(None) == {"visible", "on consultation"}
    assert bodies(participant) == {"visible", "hidden", "on consultation"}  # own hidden one
    assert bodies(moderator_a) == {"visible", "hidden", "on consultation"}
    services.hide_content(moderator_a, proposal, reason="off-topic")
    assert bodies(None) == {"on consultation"}
    assert bodies(author) == {"visible", "on consultation"}
    assert bodies(moderator_a) == {"visible", "hidden", "on consultation"}


def test_visibility_is_one_query(consultation, author, moderator_a, django_assert_num_queries):
    make_proposal(consultation, author)
    from accounts.models import User

    viewer = User.objects.get(pk=moderator_a.pk)
    qs = visible_comments(Comment.objects.all(), viewer)  # roles load here (1 query)
    with django_assert_num_queries(1):
        list(visible_proposals(Proposal.objects.all(), viewer))
    with django_assert_num_queries(1):
        list(qs)


@pytest.mark.parametrize("restricted", [False, True], ids=["public", "restricted"])
def test_a_visible_row_knows_whether_its_consultation_is_public_without_a_query(
    consultation, author, moderator_a, restricted, django_assert_num_queries
):
    """get_visible_proposal/comment evaluate the public-page rule in their own statement, so
    the participation checks that follow ask nothing more (one statement fewer per write)."""
    from participation.abilities import is_public
    from participation.visibility import get_visible_comment

    proposal = make_proposal(consultation, author)
    comment = services.add_comment(author, proposal=proposal, body="ความเห็นแรก")
    if restricted:  # only a moderator still sees the rows
        PageViewRestriction.objects.create(page=consultation, restriction_type="login")
    viewer = moderator_a if restricted else author
    get_visible_proposal(viewer, proposal.pk)  # the viewer's roles load once
    for load in (get_visible_proposal, get_visible_comment):
        pk = proposal.pk if load is get_visible_proposal else comment.pk
        with django_assert_num_queries(1):
            row = load(viewer, pk)
            assert is_public(row.consultation) is not restricted
