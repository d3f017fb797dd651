"""A real worker process killed (SIGKILL) in the middle of sending: after a restart every notice is
delivered, none twice, and the interrupted attempt is on record as lost."""
import os
import signal

import pytest
from django.db import connection
from django.utils import timezone

from notices.models import DeliveryAttempt, Notice
from notices.services import notices_enqueue, notices_sweep
from tests.notices.conftest import wait_until, worker_process

# Two worker processes and the test write the same database at once. On SQLite writers take turns
# for the whole file, and a worker waiting for the lock can outlive its short test lease, so the
# kill test runs where production runs: PostgreSQL, with row locks.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def test_killed_mid_send_loses_nothing_and_sends_nothing_twice(broker, smtp_sink, contact_citizen):
    # Enrolment notices to ten people (committed); the queue has not been told about them yet.
    from tests.notices import conftest

    conftest.use_broker("memory://")
    citizens = [contact_citizen(email=f"person{n}@example.cn") for n in range(10)]
    conftest.use_broker(broker)
    ids = sorted(Notice.objects.filter(citizen__in=citizens).values_list("pk", flat=True))
    smtp_sink.hold = {"person3@example.cn"}  # the mail server keeps the fourth message waiting
    env = {"NOTICES_LEASE_SECONDS": "3"}
    first = worker_process(smtp_sink.port, **env)
    try:
        notices_enqueue(ids)
        assert smtp_sink.holding.wait(60), "the worker never reached the fourth message"
        os.kill(first.pid, signal.SIGKILL)  # mid-send: the fourth message is not accepted
        first.wait(10)
    finally:
        first.kill()
    smtp_sink.released.set()
    connection.close()
    assert [m["To"] for m in smtp_sink.messages] == [f"person{n}@example.cn" for n in range(3)]
    states = dict(Notice.objects.filter(pk__in=ids).values_list("pk", "delivery_status"))
    assert sorted(states.values()) == ["delivered"] * 3 + ["sending"] * 7
    second = worker_process(smtp_sink.port, **env)
    try:
        wait_until(lambda: timezone.now() > max(Notice.objects.filter(pk__in=ids).exclude(
            lease_until=None).values_list("lease_until", flat=True)), timeout=10)
        assert notices_sweep()["stalled"] == 7
        wait_until(lambda: not Notice.objects.filter(pk__in=ids).exclude(delivery_status="delivered").exists(),
                   timeout=60)
    finally:
        second.kill()
        second.wait(10)
    message_ids = smtp_sink.message_ids()
    assert len(message_ids) == 10 and len(set(message_ids)) == 10  # each notice exactly once
    assert set(message_ids) == {f"<notice-{pk}@points.invalid>" for pk in ids}
    attempts = DeliveryAttempt.objects.filter(notice_id__in=ids)
    assert attempts.filter(outcome="delivered").count() == 10
    assert attempts.filter(outcome="lost").count() == 7  # the interrupted ones, on record
    assert not attempts.filter(outcome="sending").exists()
