"""Supports under real concurrency: counts stay exact and duplicates are refused cleanly.

Needs PostgreSQL (SQLite serialises writers, so it would prove nothing).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from accounts.models import User
from participation import services
from participation.models import Proposal, Support
from participation.refusals import Refused
from tests.factories import UserFactory
from tests.participation.conftest import make_proposal

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="real concurrency needs PostgreSQL; SQLite serialises writers",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def run_at_once(user_ids: list[int], proposal_id: int) -> list[object]:
    """Each thread supports the proposal as one user, all released together by a barrier."""
    barrier = threading.Barrier(len(user_ids))
    outcomes: list[object] = [None] * len(user_ids)

    def worker(index: int, user_id: int) -> None:
        try:
            user = User.objects.get(pk=user_id)
            proposal = Proposal.objects.get(pk=proposal_id)
            barrier.wait(timeout=30)
            services.support_proposal(user, proposal)
            outcomes[index] = "ok"
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


def test_fifty_users_support_at_once(consultation, author):
    proposal = make_proposal(consultation, author)
    users = [UserFactory(password=None) for _ in range(50)]
    outcomes = run_at_once([u.pk for u in users], proposal.pk)
    assert outcomes == ["ok"] * 50
    proposal.refresh_from_db()
    assert proposal.support_count == 50
    assert Support.objects.filter(proposal=proposal).count() == 50


def test_one_user_supports_twenty_times_at_once(consultation, author, participant):
    proposal = make_proposal(consultation, author)
    outcomes = run_at_once([participant.pk] * 20, proposal.pk)
    assert sorted(map(str, outcomes)) == ["ALREADY_SUPPORTED"] * 19 + ["ok"]
    proposal.refresh_from_db()
    assert proposal.support_count == 1
    assert Support.objects.filter(proposal=proposal).count() == 1
