"""Every service x every kind of actor: allowed, or refused with the expected code and no write.

The consultation is in its PROPOSALS phase, so every citizen action is open by date; what is
left to decide is who the actor is. Each action runs in a savepoint rolled back afterwards.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from guardian.models import UserObjectPermission

from accounts.models import User
from participation import services
from participation.models import (
    Comment,
    OfficialResponse,
    Proposal,
    ProposalStatus,
    Report,
    Support,
)
from participation.refusals import Refused
from permissions.memberships import grant_role
from permissions.models import Membership
from permissions.roles import Role
from tests.factories import UserFactory
from tests.participation.conftest import make_comment, make_proposal

pytestmark = pytest.mark.django_db

NA, RR, NS, NSUP = "NOT_AUTHOR", "ROLE_REQUIRED", "NOT_SIGNED_IN", "NOT_SUPPORTED"


class World:
    def __init__(self, agency, consultation, author, target) -> None:
        self.agency = agency
        self.consultation = consultation
        self.proposal = make_proposal(consultation, author)
        self.comment = make_comment(consultation, author, proposal=self.proposal)
        self.hidden = make_proposal(consultation, author, title="ซ่อนไว้", is_hidden=True)
        self.target = target

    def fresh(self) -> None:
        for name in ("proposal", "comment", "hidden"):
            row = getattr(self, name)
            setattr(self, name, type(row).objects.get(pk=row.pk))


ACTIONS: dict[str, Callable] = {
    "submit": lambda u, w: services.submit_proposal(
        u, w.consultation, title="สวนสาธารณะใหม่", body="ขอสวนสาธารณะในชุมชนของเรา"
    ),
    "edit_proposal": lambda u, w: services.edit_proposal(u, w.proposal, title="ชื่อใหม่ค่ะ"),
    "withdraw_proposal": lambda u, w: services.withdraw_proposal(u, w.proposal),
    "support": lambda u, w: services.support_proposal(u, w.proposal),
    "withdraw_support": lambda u, w: services.withdraw_support(u, w.proposal),
    "comment_consultation": lambda u, w: services.add_comment(
        u, consultation=w.consultation, body="ดีมาก"
    ),
    "comment_proposal": lambda u, w: services.add_comment(u, proposal=w.proposal, body="+1"),
    "reply": lambda u, w: services.add_comment(u, parent=w.comment, body="ตอบกลับ"),
    "edit_comment": lambda u, w: services.edit_comment(u, w.comment, body="แก้ไขแล้ว"),
    "delete_comment": lambda u, w: services.delete_comment(u, w.comment),
    "report": lambda u, w: services.report_content(u, w.proposal, reason="spam"),
    "hide_proposal": lambda u, w: services.hide_content(u, w.proposal, reason="spam"),
    "hide_comment": lambda u, w: services.hide_content(u, w.comment, reason="rude"),
    "unhide": lambda u, w: services.unhide_content(u, w.hidden),
    "respond": lambda u, w: services.respond_to_proposal(
        u, w.proposal, status=ProposalStatus.ACCEPTED, text="เราจะดำเนินการ"
    ),
    "grant_role": lambda u, w: services.grant_role(u, w.agency, w.target, Role.MODERATOR),
    "grant_scoped_role": lambda u, w: services.grant_role(
        u, w.agency, w.target, Role.MODERATOR, consultation=w.consultation
    ),
    "revoke_role": lambda u, w: services.revoke_role(u, w.agency, w.target, Role.RESPONDER),
}

CITIZEN = {
    "submit": None,
    "edit_proposal": NA,
    "withdraw_proposal": NA,
    "support": None,
    "withdraw_support": NSUP,
    "comment_consultation": None,
    "comment_proposal": None,
    "reply": None,
    "edit_comment": NA,
    "delete_comment": NA,
    "report": None,
    "hide_proposal": RR,
    "hide_comment": RR,
    "unhide": RR,
    "respond": RR,
    "grant_role": RR,
    "grant_scoped_role": RR,
    "revoke_role": RR,
}
AUTHOR = {
    "edit_proposal": None,
    "withdraw_proposal": None,
    "edit_comment": None,
    "delete_comment": None,
}
MODERATOR = {"delete_comment": None, "hide_proposal": None, "hide_comment": None, "unhide": None}
RESPONDER = {"respond": None}
ADMIN = {"grant_role": None, "grant_scoped_role": None, "revoke_role": None}

EXPECTED: dict[str, dict[str, str | None]] = {
    "anonymous": dict.fromkeys(ACTIONS, NS),
    "participant": CITIZEN,
    "author": {**CITIZEN, **AUTHOR},
    "moderator_a": {**CITIZEN, **MODERATOR},
    "moderator_b": CITIZEN,
    "scoped_moderator": {**CITIZEN, **MODERATOR},
    "responder_a": {**CITIZEN, **RESPONDER},
    "editor_a": CITIZEN,
    "admin_a": {**CITIZEN, **ADMIN},
    "superuser": {**CITIZEN, **MODERATOR, **RESPONDER, **ADMIN},
}


def snapshot() -> tuple:
    """Everything a service could change."""
    return (
        list(
            Proposal.objects.order_by("pk").values_list(
                "pk",
                "title",
                "body",
                "status",
                "is_hidden",
                "support_count",
                "comment_count",
                "updated_at",
            )
        ),
        list(
            Comment.objects.order_by("pk").values_list(
                "pk", "body", "is_deleted", "is_hidden", "edited_at"
            )
        ),
        list(Support.objects.order_by("pk").values_list("pk", "user_id")),
        list(Report.objects.order_by("pk").values_list("pk", "resolved_at")),
        OfficialResponse.objects.count(),
        list(Membership.objects.order_by("pk").values_list("pk", "user_id", "role")),
        list(UserObjectPermission.objects.order_by("pk").values_list("pk", "user_id")),
    )


@pytest.fixture
def world(agency_a, consultation, author):
    target = UserFactory(username="target")
    grant_role(agency_a, target, Role.RESPONDER)
    return World(agency_a, consultation, author, target)


@pytest.mark.parametrize("actor_name", list(EXPECTED))
def test_rules_matrix(request, world, actor_name):
    if actor_name == "anonymous":
        actor_pk = None
    elif actor_name == "editor_a":
        actor_pk = request.getfixturevalue("editor_a").pk
    else:
        actor_pk = request.getfixturevalue(actor_name).pk
    outcomes = {}
    for action, run in ACTIONS.items():
        actor = AnonymousUser() if actor_pk is None else User.objects.get(pk=actor_pk)
        world.fresh()
        before = snapshot()
        savepoint = transaction.savepoint()
        try:
            run(actor, world)
        except Refused as refused:
            outcomes[action] = refused.code.value
            assert snapshot() == before, f"{action} was refused but wrote"
        else:
            outcomes[action] = None
            assert snapshot() != before, f"{action} was allowed but wrote nothing"
        finally:
            transaction.savepoint_rollback(savepoint)
    assert outcomes == EXPECTED[actor_name]


def test_support_twice_and_withdraw(world, participant):
    services.support_proposal(participant, world.proposal)
    world.fresh()
    with pytest.raises(Refused) as exc:
        services.support_proposal(participant, world.proposal)
    assert exc.value.code == "ALREADY_SUPPORTED"
    proposal = services.withdraw_support(participant, world.proposal)
    assert proposal.support_count == 0
    assert not Support.objects.exists()


def test_admin_cannot_manage_another_agency(world, agency_b, admin_a, consultation_in):
    other = consultation_in("proposals", agency=agency_b)
    with pytest.raises(Refused) as exc:
        services.grant_role(admin_a, agency_b, world.target, Role.MODERATOR)
    assert exc.value.code == "ROLE_REQUIRED"
    with pytest.raises(Refused) as exc:
        services.grant_role(admin_a, world.agency, world.target, Role.MODERATOR, consultation=other)
    assert (exc.value.code, exc.value.field) == ("INVALID_INPUT", "consultation")
    with pytest.raises(Refused) as exc:
        services.grant_role(
            admin_a, world.agency, world.target, Role.EDITOR, consultation=world.consultation
        )
    assert (exc.value.code, exc.value.field) == ("INVALID_INPUT", "role")
    with pytest.raises(Refused) as exc:
        services.grant_role(admin_a, world.agency, world.target, "emperor")
    assert (exc.value.code, exc.value.field) == ("INVALID_INPUT", "role")


def test_scoped_grant_gives_moderation_of_that_consultation_only(world, admin_a, consultation_in):
    elsewhere = consultation_in("proposals")  # same agency, another consultation
    other_proposal = make_proposal(elsewhere, world.target)
    services.grant_role(
        admin_a, world.agency, world.target, Role.MODERATOR, consultation=world.consultation
    )
    target = User.objects.get(pk=world.target.pk)
    services.hide_content(target, world.proposal, reason="off-topic")
    with pytest.raises(Refused) as exc:
        services.hide_content(target, other_proposal, reason="off-topic")
    assert exc.value.code == "ROLE_REQUIRED"
    assert services.revoke_role(
        admin_a, world.agency, target, Role.MODERATOR, consultation=world.consultation
    )
    target = User.objects.get(pk=world.target.pk)
    with pytest.raises(Refused):
        services.unhide_content(target, Proposal.objects.get(pk=world.proposal.pk))


def test_last_admin_cannot_be_revoked(world, admin_a):
    with pytest.raises(Refused) as exc:
        services.revoke_role(admin_a, world.agency, admin_a, Role.ADMIN)
    assert exc.value.code == "INVALID_INPUT"
    services.grant_role(admin_a, world.agency, world.target, Role.ADMIN)
    assert services.revoke_role(admin_a, world.agency, admin_a, Role.ADMIN)


def test_respond_keeps_history(world, responder_a):
    services.respond_to_proposal(
        responder_a, world.proposal, status=ProposalStatus.UNDER_REVIEW, text="กำลังพิจารณา"
    )
    proposal = services.respond_to_proposal(
        responder_a, world.proposal, status=ProposalStatus.ACCEPTED, text="อนุมัติ"
    )
    assert proposal.status == ProposalStatus.ACCEPTED
    history = list(proposal.responses.order_by("created_at", "id"))
    assert [(r.previous_status, r.new_status) for r in history] == [
        ("submitted", "under_review"),
        ("under_review", "accepted"),
    ]
    assert services.latest_response(proposal).text == "อนุมัติ"
    assert {r.agency_id for r in history} == {world.agency.pk}
    with pytest.raises(Refused) as exc:
        services.respond_to_proposal(
            responder_a, proposal, status=ProposalStatus.WITHDRAWN, text="no"
        )
    assert (exc.value.code, exc.value.field) == ("INVALID_INPUT", "status")


def test_hidden_content_refuses_public_actions(world, participant, author):
    hidden = world.hidden
    for run in (
        lambda: services.support_proposal(participant, hidden),
        lambda: services.add_comment(participant, proposal=hidden, body="x"),
        lambda: services.edit_proposal(author, hidden, title="new title"),
        lambda: services.report_content(participant, hidden, reason="x"),
    ):
        with pytest.raises(Refused) as exc:
            run()
        assert exc.value.code == "HIDDEN"


def test_withdrawn_and_deleted(world, participant, author):
    services.delete_comment(author, world.comment)
    world.fresh()
    assert world.comment.body == "" and world.comment.is_deleted
    for run, code in (
        (lambda: services.add_comment(participant, parent=world.comment, body="x"), "DELETED"),
        (lambda: services.edit_comment(author, world.comment, body="x"), "DELETED"),
        (lambda: services.delete_comment(author, world.comment), "DELETED"),
    ):
        with pytest.raises(Refused) as exc:
            run()
        assert exc.value.code == code
    services.withdraw_proposal(author, world.proposal)
    world.fresh()
    for run in (
        lambda: services.support_proposal(participant, world.proposal),
        lambda: services.add_comment(participant, proposal=world.proposal, body="x"),
        lambda: services.withdraw_proposal(author, world.proposal),
    ):
        with pytest.raises(Refused) as exc:
            run()
        assert exc.value.code == "WITHDRAWN"


def test_ability_bundles_match_the_services(world, participant, author, django_assert_num_queries):
    from participation.abilities import consultation_abilities, proposal_abilities

    proposal = Proposal.objects.select_related("consultation").get(pk=world.proposal.pk)
    anonymous = proposal_abilities(AnonymousUser(), proposal)
    assert {a.reason for a in anonymous.values()} == {"NOT_SIGNED_IN"}
    mine = proposal_abilities(author, proposal, has_supported=False)
    assert mine["edit"].allowed and mine["support"].allowed
    assert mine["withdraw_support"].reason == "NOT_SUPPORTED"
    assert mine["respond"].reason == "ROLE_REQUIRED"
    theirs = proposal_abilities(participant, proposal, has_supported=True)
    assert theirs["support"].reason == "ALREADY_SUPPORTED"
    assert theirs["edit"].reason == "NOT_AUTHOR"
    assert consultation_abilities(participant, proposal.consultation)["submit_proposal"].allowed
    # memoised on the objects: asking again about the same consultation costs nothing
    with django_assert_num_queries(0):
        proposal_abilities(participant, proposal, has_supported=True)
