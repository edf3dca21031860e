"""Services inside a caller that rolls back whole take no savepoints; elsewhere they keep them.

perf/db/transactions.py: a GraphQL mutation (`graph.mutations.attempt`) runs its action inside
`whole_transaction`, where a savepoint protects nothing; the admin's views and other callers
catch a refusal inside their own transaction and go on, which needs each service's savepoint.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from participation import services
from participation.models import Comment, Support
from participation.refusals import Refused
from participation.visibility import get_visible_comment, get_visible_proposal
from perf.db.transactions import joins_whole_transaction, locked_here, whole_transaction
from tests.factories import UserFactory
from tests.participation.conftest import make_proposal

pytestmark = pytest.mark.django_db


def savepoints(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "SAVEPOINT" in q["sql"].upper()]


@pytest.fixture
def proposal(consultation, author):
    return make_proposal(consultation, author, title="ทางเดินริมคลอง")


def test_inside_a_whole_transaction_services_take_no_savepoint(proposal, participant):
    # (captured inside the block: in a test, the block itself is a savepoint of the test's)
    with whole_transaction(), CaptureQueriesContext(connection) as captured:
        assert joins_whole_transaction()
        services.support_proposal(participant, proposal)
        services.add_comment(participant, proposal=proposal, body="เห็นด้วยอย่างยิ่ง")
    assert savepoints(captured) == []
    assert not joins_whole_transaction()
    assert Support.objects.filter(proposal=proposal, user=participant).count() == 1
    assert Comment.objects.filter(proposal=proposal).count() == 1


def test_a_refusal_rolls_the_whole_transaction_back(proposal, participant):
    with pytest.raises(Refused) as refused, whole_transaction():
        services.add_comment(participant, proposal=proposal, body="ความเห็นแรก")
        services.support_proposal(participant, proposal)
        services.support_proposal(participant, proposal)  # the unique constraint refuses
    assert refused.value.code == "ALREADY_SUPPORTED"
    # Nothing of the block stays, and the connection is usable at once.
    assert not Support.objects.filter(proposal=proposal).exists()
    assert not Comment.objects.filter(proposal=proposal).exists()
    proposal.refresh_from_db()
    assert proposal.support_count == 0 and proposal.comment_count == 0


def test_elsewhere_a_refused_service_leaves_the_callers_transaction_usable(proposal, participant):
    """The admin's pattern: catch the refusal inside an atomic block and go on querying."""
    other = UserFactory()
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        services.support_proposal(participant, proposal)
        with pytest.raises(Refused):
            services.support_proposal(participant, proposal)
        services.support_proposal(other, proposal)  # (PostgreSQL would refuse after an error)
        assert Support.objects.filter(proposal=proposal).count() == 2
    assert savepoints(captured)  # each service in its own savepoint
    proposal.refresh_from_db()
    assert proposal.support_count == 2


def test_a_caller_catching_inside_its_own_block_within_a_whole_transaction_still_recovers(
    proposal, participant
):
    """An explicit savepoint inside a whole transaction keeps its meaning."""
    with whole_transaction():
        services.support_proposal(participant, proposal)
        with pytest.raises(Refused), transaction.atomic():
            services.support_proposal(participant, proposal)
        assert Support.objects.filter(proposal=proposal).count() == 1
    assert Support.objects.filter(proposal=proposal).count() == 1


def proposal_reads(captured: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith("SELECT") and 'FROM "participation_proposal"' in q["sql"]
    ]


LOCKS = connection.features.has_select_for_update  # (SQLite has no row locks to take)


def test_a_row_read_under_its_lock_is_not_read_again_by_the_service(proposal, participant):
    with whole_transaction(), CaptureQueriesContext(connection) as captured:
        row = get_visible_proposal(participant, proposal.pk, lock=True)
        assert locked_here(row)
        supported = services.support_proposal(participant, row)
    reads = proposal_reads(captured)
    assert len(reads) == 1
    assert ("FOR UPDATE" in reads[0]) is LOCKS
    assert supported is row and supported.support_count == 1


def test_a_row_locked_in_an_earlier_transaction_is_locked_again(proposal, participant):
    with whole_transaction():
        row = get_visible_proposal(participant, proposal.pk, lock=True)
    assert not locked_here(row)
    with whole_transaction(), CaptureQueriesContext(connection) as captured:
        assert not locked_here(row)  # a new transaction: its lock ended with the first
        services.support_proposal(participant, row)
    assert len(proposal_reads(captured)) == 1  # the service's own read under the lock


def test_a_lock_taken_in_an_inner_block_is_not_trusted_after_it(proposal, participant):
    """A rolled-back savepoint releases the locks taken in it; an inner whole transaction
    that ends is not the outer one."""
    with whole_transaction():
        with pytest.raises(RuntimeError), transaction.atomic():
            row = get_visible_proposal(participant, proposal.pk, lock=True)
            assert locked_here(row)
            raise RuntimeError
        assert not locked_here(row)
        with whole_transaction():
            inner = get_visible_proposal(participant, proposal.pk, lock=True)
            assert locked_here(inner)
        assert not locked_here(inner)
        outer = get_visible_proposal(participant, proposal.pk, lock=True)
        assert locked_here(outer)


def test_outside_a_whole_transaction_lock_reads_plainly(proposal, participant):
    """There a lock would not outlast the statement (or, in autocommit, be refused)."""
    with CaptureQueriesContext(connection) as captured:
        row = get_visible_proposal(participant, proposal.pk, lock=True)
    assert not locked_here(row)
    assert all("FOR UPDATE" not in sql for sql in proposal_reads(captured))


def test_a_comment_read_under_its_lock_is_edited_without_another_read(proposal, participant):
    comment = services.add_comment(participant, proposal=proposal, body="ความเห็นแรกของฉัน")
    with whole_transaction(), CaptureQueriesContext(connection) as captured:
        row = get_visible_comment(participant, comment.pk, lock=True)
        services.edit_comment(participant, row, body="ความเห็นที่แก้แล้ว")
    reads = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith("SELECT") and 'FROM "participation_comment"' in q["sql"]
    ]
    assert len(reads) == 1 and ("FOR UPDATE" in reads[0]) is LOCKS
    comment.refresh_from_db()
    assert comment.body == "ความเห็นที่แก้แล้ว"
