"""Supports under real concurrency: counts stay exact and duplicates are refused cleanly.

Needs PostgreSQL (SQLite serialises writers, so it would prove nothing).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from accounts.models import User
from participation import services
from participation.models import Proposal, Support
from participation.refusals import Refused
from participation.visibility import get_visible_proposal
from perf.db.transactions import whole_transaction
from tests.factories import UserFactory
from tests.participation.conftest import make_proposal

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="real concurrency needs PostgreSQL; SQLite serialises writers",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def directly(user: User, proposal_id: int) -> Proposal:
    """The admin's way: a row loaded by the caller, which the service locks and reads again."""
    return services.support_proposal(user, Proposal.objects.get(pk=proposal_id))


def as_the_mutation(user: User, proposal_id: int) -> Proposal:
    """The GraphQL mutation's way: the visibility lookup reads the row under its lock, and
    the service takes that row as it is (perf.db.transactions.locked_here)."""
    with whole_transaction():
        return services.support_proposal(user, get_visible_proposal(user, proposal_id, lock=True))


SupportWay = Callable[[User, int], Proposal]
WAYS = pytest.mark.parametrize("support", [directly, as_the_mutation], ids=lambda f: f.__name__)


def run_at_once(support: SupportWay, user_ids: list[int], proposal_id: int) -> list[object]:
    """Each thread supports the proposal as one user, all released together by a barrier; a
    success is the support count the service answered with."""
    barrier = threading.Barrier(len(user_ids))
    outcomes: list[object] = [None] * len(user_ids)

    def worker(index: int, user_id: int) -> None:
        try:
            user = User.objects.get(pk=user_id)
            barrier.wait(timeout=30)
            outcomes[index] = support(user, proposal_id).support_count
        except Refused as refused:
            outcomes[index] = refused.code.value
        except Exception as exc:  # anything else is a failure the test reports
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, uid)) for i, uid in enumerate(user_ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@WAYS
def test_fifty_users_support_at_once(consultation, author, support):
    proposal = make_proposal(consultation, author)
    users = [UserFactory(password=None) for _ in range(50)]
    outcomes = run_at_once(support, [u.pk for u in users], proposal.pk)
    # Each answered the count its own support made: the row was locked from its read on.
    assert sorted(outcomes) == list(range(1, 51))
    proposal.refresh_from_db()
    assert proposal.support_count == 50
    assert Support.objects.filter(proposal=proposal).count() == 50


@WAYS
def test_one_user_supports_twenty_times_at_once(consultation, author, participant, support):
    proposal = make_proposal(consultation, author)
    outcomes = run_at_once(support, [participant.pk] * 20, proposal.pk)
    assert sorted(map(str, outcomes)) == ["1"] + ["ALREADY_SUPPORTED"] * 19
    proposal.refresh_from_db()
    assert proposal.support_count == 1
    assert Support.objects.filter(proposal=proposal).count() == 1
