"""Two officials approving the same proposal at once: it is applied exactly once (PostgreSQL row locks)."""
import threading

import pytest

from core.exceptions import InvalidState
from officials.models import AdjustmentProposal
from officials.services import adjustment_approve, adjustment_propose
from points.models import Event
from tests.fixtures.admin import make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_approvals_apply_once(official, citizen, roles):
    approvers = [make_user(f"approver{i}", "Officials") for i in range(4)]
    proposal = adjustment_propose(citizen=citizen, points=40, reason="Court error corrected", user=official)
    barrier = threading.Barrier(len(approvers))
    outcomes = []

    def approve(user):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            adjustment_approve(proposal=proposal, user=user)
            outcomes.append("approved")
        except InvalidState:
            outcomes.append("refused")
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=approve, args=(user,)) for user in approvers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    citizen.refresh_from_db()
    assert sorted(outcomes) == ["approved", "refused", "refused", "refused"]
    assert Event.objects.filter(event_type="official_adjustment").count() == 1
    assert citizen.score == 1000 + 40
    assert AdjustmentProposal.objects.get().status == "approved"
