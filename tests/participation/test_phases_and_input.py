"""Each action inside and outside its phases; bad input refused with the field, and stored as
plain text when accepted."""

from __future__ import annotations

import pytest

from cms.phases import PhaseKind
from participation import abilities, services
from participation.models import Comment, Proposal, ProposalStatus
from participation.refusals import Refused
from tests.participation.conftest import make_comment, make_proposal

pytestmark = pytest.mark.django_db

P, S, INFO = PhaseKind.PROPOSALS, PhaseKind.SUPPORT, PhaseKind.INFORMATION
CITIZEN_ACTIONS = {
    "submit": (
        {P},
        lambda w: services.submit_proposal(
            w["participant"], w["c"], title="ข้อเสนอใหม่", body="รายละเอียดข้อเสนอใหม่"
        ),
    ),
    "edit_proposal": ({P}, lambda w: services.edit_proposal(w["author"], w["p"], body="x" * 12)),
    "support": ({P, S}, lambda w: services.support_proposal(w["participant"], w["p"])),
    "withdraw_support": ({P, S}, lambda w: services.withdraw_support(w["supporter"], w["p"])),
    "comment_consultation": (
        {INFO, P, S},
        lambda w: services.add_comment(w["participant"], consultation=w["c"], body="ok"),
    ),
    "comment_proposal": (
        {P, S},
        lambda w: services.add_comment(w["participant"], proposal=w["p"], body="ok"),
    ),
    "edit_comment": ({P, S}, lambda w: services.edit_comment(w["author"], w["cm"], body="new")),
}
# Allowed whatever the phase.
ANY_PHASE_ACTIONS = {
    "withdraw_proposal": lambda w: services.withdraw_proposal(w["author"], w["p"]),
    "delete_comment": lambda w: services.delete_comment(w["author"], w["cm"]),
    "report": lambda w: services.report_content(w["participant"], w["p"], reason="spam"),
    "hide": lambda w: services.hide_content(w["moderator"], w["p"], reason="spam"),
    "respond": lambda w: services.respond_to_proposal(
        w["responder"], w["p"], status=ProposalStatus.UNDER_REVIEW, text="ok"
    ),
}


@pytest.mark.parametrize("kind", [*PhaseKind.values, None], ids=[*PhaseKind.values, "after"])
def test_actions_follow_the_phase(
    kind, consultation_in, participant, author, moderator_a, responder_a
):
    from django.db import transaction

    consultation = consultation_in(kind)
    assert abilities.current_phase_kind(consultation) == kind
    supporter = type(author).objects.create(username="supporter")
    actions = {**CITIZEN_ACTIONS, **{k: (None, r) for k, r in ANY_PHASE_ACTIONS.items()}}
    for name, (phases, run) in actions.items():
        proposal = make_proposal(consultation, author)
        proposal.supports.create(agency_id=proposal.agency_id, user=supporter)
        Proposal.objects.filter(pk=proposal.pk).update(support_count=1)
        world = {
            "c": consultation,
            "p": Proposal.objects.get(pk=proposal.pk),
            "cm": make_comment(consultation, author, proposal=proposal),
            "participant": participant,
            "author": author,
            "supporter": supporter,
            "moderator": moderator_a,
            "responder": responder_a,
        }
        savepoint = transaction.savepoint()
        try:
            run(world)
            outcome = None
        except Refused as refused:
            outcome = refused.code.value
        transaction.savepoint_rollback(savepoint)
        expected = None if phases is None or kind in phases else "PHASE_CLOSED"
        assert outcome == expected, name


def test_unpublished_consultation_refuses_citizens(consultation_in, participant):
    draft = consultation_in(PhaseKind.PROPOSALS, live=False)
    with pytest.raises(Refused) as exc:
        services.submit_proposal(participant, draft, title="title", body="long enough body")
    assert exc.value.code == "CONSULTATION_NOT_PUBLIC"


@pytest.mark.parametrize(
    ("title", "body", "field"),
    [
        ("", "long enough body", "title"),
        ("   \n\t ", "long enough body", "title"),
        ("ab", "long enough body", "title"),
        ("ก" * 201, "long enough body", "title"),
        ("A good title", "", "body"),
        ("A good title", "   short   ", "body"),
        ("A good title", "x" * 10_001, "body"),
        ("A good\x00title", "long enough body", "title"),
        (None, "long enough body", "title"),
        (42, "long enough body", "title"),
    ],
)
def test_bad_proposal_input(consultation, participant, title, body, field):
    with pytest.raises(Refused) as exc:
        services.submit_proposal(participant, consultation, title=title, body=body)
    assert (exc.value.code, exc.value.field) == ("INVALID_INPUT", field)
    assert not Proposal.objects.exists()


def test_limits_count_characters_not_bytes(consultation, participant):
    thai_title = "ก" * 200  # 600 bytes in UTF-8
    proposal = services.submit_proposal(
        participant, consultation, title=f"  {thai_title}  ", body="ข" * 10_000
    )
    assert proposal.title == thai_title
    assert len(proposal.body) == 10_000
    services.submit_proposal(participant, consultation, title="กขค", body="ค" * 10)


def test_html_is_stored_verbatim_as_text(consultation, participant):
    evil = '<script>alert("x")</script><b onclick="x()">hi</b>'
    proposal = services.submit_proposal(participant, consultation, title=evil, body=evil)
    comment = services.add_comment(participant, proposal=proposal, body=evil)
    proposal.refresh_from_db()
    assert proposal.title == evil and proposal.body == evil
    assert Comment.objects.get(pk=comment.pk).body == evil


def test_title_whitespace_collapses_body_keeps_lines(consultation, participant):
    proposal = services.submit_proposal(
        participant, consultation, title=" a\n\n  b\tc ", body="  line one\n\nline two  "
    )
    assert proposal.title == "a b c"
    assert proposal.body == "line one\n\nline two"


@pytest.mark.parametrize(
    ("body", "ok"),
    [("", False), ("  ", False), ("x", True), ("x" * 5000, True), ("x" * 5001, False)],
)
def test_comment_length(consultation, participant, body, ok):
    if ok:
        services.add_comment(participant, consultation=consultation, body=body)
    else:
        with pytest.raises(Refused) as exc:
            services.add_comment(participant, consultation=consultation, body=body)
        assert (exc.value.code, exc.value.field) == ("INVALID_INPUT", "body")


def test_reply_depth_is_bounded(consultation, participant):
    top = services.add_comment(participant, consultation=consultation, body="0")
    one = services.add_comment(participant, parent=top, body="1")
    two = services.add_comment(participant, parent=one, body="2")
    assert (top.depth, one.depth, two.depth) == (0, 1, 2)
    with pytest.raises(Refused) as exc:
        services.add_comment(participant, parent=two, body="3")
    assert exc.value.code == "DEPTH_LIMIT"
    assert Comment.objects.count() == 3


def test_reply_must_stay_in_its_thread(consultation, participant, author):
    proposal = make_proposal(consultation, author)
    other = make_proposal(consultation, author)
    top = services.add_comment(participant, proposal=proposal, body="top")
    with pytest.raises(Refused) as exc:
        services.add_comment(participant, proposal=other, parent=top, body="x")
    assert (exc.value.code, exc.value.field) == ("INVALID_INPUT", "parent")
    with pytest.raises(Refused) as exc:
        services.add_comment(participant, body="x")
    assert exc.value.code == "INVALID_INPUT"
    with pytest.raises(Refused) as exc:
        services.add_comment(participant, consultation=consultation, body="x", alignment="maybe")
    assert (exc.value.code, exc.value.field) == ("INVALID_INPUT", "alignment")


def test_hide_needs_a_reason(consultation, author, moderator_a):
    proposal = make_proposal(consultation, author)
    with pytest.raises(Refused) as exc:
        services.hide_content(moderator_a, proposal, reason="  ")
    assert (exc.value.code, exc.value.field) == ("INVALID_INPUT", "reason")
    assert not Proposal.objects.get(pk=proposal.pk).is_hidden
