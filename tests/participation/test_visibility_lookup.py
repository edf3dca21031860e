"""A write's lookup of its row: the one visibility rule, and what it tells the checks.

participation.visibility reads the row, its consultation, the consultation's phases and
whether it is public in one statement. For a viewer who moderates nothing the public rule is a
conjunct of their whole condition, so a row found is public (the rule is not evaluated twice);
a moderator can find rows of a consultation that is not public, and is told so."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from participation.abilities import is_public
from participation.refusals import Refused
from participation.visibility import get_visible_comment, get_visible_proposal
from tests.participation.conftest import make_comment, make_proposal

pytestmark = pytest.mark.django_db


def publicity(row) -> bool:
    with CaptureQueriesContext(connection) as captured:
        public = is_public(row.consultation)
    assert captured.captured_queries == []  # the lookup told it
    return public


def test_a_citizen_finds_a_public_row_and_the_checks_know_it_is_public(
    consultation, author, participant
):
    proposal = make_proposal(consultation, author)
    comment = make_comment(consultation, author, proposal=proposal)
    assert publicity(get_visible_proposal(participant, proposal.pk)) is True
    assert publicity(get_visible_comment(participant, comment.pk)) is True


def test_a_citizen_cannot_find_a_row_of_a_restricted_consultation(
    consultation, author, participant
):
    proposal = make_proposal(consultation, author)
    comment = make_comment(consultation, author, proposal=proposal)
    PageViewRestriction.objects.create(page=consultation, restriction_type="login")
    with pytest.raises(Refused):
        get_visible_proposal(participant, proposal.pk)
    with pytest.raises(Refused):
        get_visible_comment(participant, comment.pk)
    with pytest.raises(Refused):  # not even the author
        get_visible_proposal(author, proposal.pk)


@pytest.mark.parametrize("who", ["moderator_a", "scoped_moderator"])
def test_a_moderator_finds_a_row_of_a_restricted_consultation_and_is_told(
    request, consultation, author, who
):
    moderator = request.getfixturevalue(who)
    proposal = make_proposal(consultation, author)
    comment = make_comment(consultation, author, proposal=proposal)
    assert publicity(get_visible_proposal(moderator, proposal.pk)) is True
    PageViewRestriction.objects.create(page=consultation, restriction_type="login")
    assert publicity(get_visible_proposal(moderator, proposal.pk)) is False
    assert publicity(get_visible_comment(moderator, comment.pk)) is False
