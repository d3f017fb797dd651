"""Delivery through the real queue (Celery on Redis, a worker thread) to a real SMTP server and a fake
HTTP SMS gateway: delivered once, 5xx retried with backoff, 4xx to dead letter, broker down loses nothing."""
import datetime

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction
from django.utils import timezone

from config.celery import app
from notices.models import DeliveryAttempt, Notice
from notices.services import _claim, notices_deliver, notices_sweep, retry_delay
from tests.notices.conftest import BROKER_URL, queue_length, use_broker, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def delivered(notice) -> bool:
    notice.refresh_from_db()
    return notice.delivery_status in ("delivered", "dead")


def test_a_report_is_emailed_through_the_queue_once(worker, smtp_sink, contact_citizen, report):
    citizen = contact_citizen()
    enrolment = Notice.objects.get(citizen=citizen)
    result = report(citizen, "drunk_driving_conviction")
    notice = Notice.objects.get(event=result.event)
    assert notice.channel == "email"
    wait_until(lambda: delivered(notice) and delivered(enrolment))
    assert notice.delivery_status == "delivered" and notice.attempts == 1 and notice.last_error == ""
    sent = {m["Message-ID"]: m for m in smtp_sink.messages}
    assert len(smtp_sink.messages) == 2 and f"<notice-{notice.pk}@points.invalid>" in sent
    message = sent[f"<notice-{notice.pk}@points.invalid>"]
    assert message["To"] == "li.hua@example.cn" and message["Subject"] == notice.subject
    assert "How to appeal" in message.get_content()
    attempt = notice.delivery_attempts.get()
    assert (attempt.outcome, attempt.address, attempt.channel) == ("delivered", "li.hua@example.cn", "email")
    # The same job again (a duplicated message, a retried task) sends nothing.
    assert notices_deliver(ids=[notice.pk])["skipped"] == 1 and len(smtp_sink.messages) == 2


def test_sms_gateway_5xx_is_retried_with_backoff_then_delivered(settings, worker, sms_gateway, contact_citizen,
                                                                  report):
    settings.NOTICES_RETRY_BASE_SECONDS = 0.2
    citizen = contact_citizen(email="", mobile="13812345678", preferred_channel="sms")
    sms_gateway.statuses = [503, 502]  # the enrolment notice meets two failures, then 200
    notice = Notice.objects.get(citizen=citizen)
    wait_until(lambda: delivered(notice))
    assert (notice.delivery_status, notice.attempts) == ("delivered", 3)
    assert [r["status"] for r in sms_gateway.requests] == [503, 502, 200]
    assert {r["key"] for r in sms_gateway.requests} == {f"notice-{notice.pk}"}  # one idempotency key
    assert sms_gateway.requests[0]["body"]["to"] == "+8613812345678"
    assert sms_gateway.requests[0]["auth"] == "Bearer t0ken"
    outcomes = list(notice.delivery_attempts.values_list("outcome", "error"))
    assert [o for o, _ in outcomes] == ["retry", "retry", "delivered"] and "503" in outcomes[0][1]


def test_sms_gateway_4xx_goes_to_dead_letter_with_its_reason(worker, sms_gateway, contact_citizen):
    sms_gateway.statuses = [400]
    citizen = contact_citizen(email="", mobile="13812345678", preferred_channel="sms")
    notice = Notice.objects.get(citizen=citizen)
    wait_until(lambda: delivered(notice))
    assert notice.delivery_status == "dead" and "SMS gateway answered 400" in notice.last_error
    assert len(sms_gateway.requests) == 1 and notice.delivery_attempts.get().outcome == "dead"


def test_retries_stop_after_the_budget(settings, worker, smtp_sink, contact_citizen):
    settings.NOTICES_RETRY_BASE_SECONDS, settings.NOTICES_MAX_ATTEMPTS = 0.1, 3
    notice = Notice.objects.get(citizen=contact_citizen(email="busy@example.cn"))
    wait_until(lambda: delivered(notice))
    assert notice.delivery_status == "dead" and notice.attempts == 3
    assert "451" in notice.last_error and "gave up after 3 attempts" in notice.last_error
    assert not smtp_sink.messages


def test_refused_mailbox_is_a_dead_letter_at_once(worker, smtp_sink, contact_citizen):
    notice = Notice.objects.get(citizen=contact_citizen(email="refuse@example.cn"))
    wait_until(lambda: delivered(notice))
    assert (notice.delivery_status, notice.attempts) == ("dead", 1) and "550" in notice.last_error


def test_backoff_doubles_and_is_capped(settings):
    settings.NOTICES_RETRY_BASE_SECONDS, settings.NOTICES_RETRY_MAX_SECONDS = 30, 1800
    assert 24 <= retry_delay(1) <= 30 and 48 <= retry_delay(2) <= 60 and 96 <= retry_delay(3) <= 120
    assert retry_delay(20) <= 1800


def test_broker_down_reports_commit_and_notices_go_out_later(settings, broker, smtp_sink, contact_citizen, report):
    settings.NOTICES_SWEEP_GRACE_SECONDS = 0
    use_broker("redis://127.0.0.1:1/6")  # nothing listens on port 1: the broker is down
    citizen = contact_citizen()
    with transaction.atomic():
        result = report(citizen, "drunk_driving_conviction")
    citizen.refresh_from_db()
    assert citizen.score == 950  # the report committed
    waiting = Notice.objects.filter(citizen=citizen)
    assert {n.delivery_status for n in waiting} == {"pending"} and waiting.count() == 2
    use_broker(BROKER_URL)  # the broker is back; no message was ever queued
    assert queue_length() == 0
    swept = notices_sweep()
    assert swept["waiting"] == 2 and queue_length() == 1
    with start_worker(app, pool="solo", perform_ping_check=False, queues=[app.conf.task_default_queue]):
        notice = Notice.objects.get(event=result.event)
        wait_until(lambda: delivered(notice))
    assert len(smtp_sink.messages) == 2 and notice.delivery_status == "delivered"


def test_a_lease_that_ran_out_is_marked_lost_and_sent_again(settings, broker, smtp_sink, contact_citizen):
    notice = Notice.objects.get(citizen=contact_citizen())
    _claim([notice.pk], timezone.now())  # a worker claimed it and died before sending
    notice.refresh_from_db()
    assert notice.delivery_status == "sending"
    assert notices_deliver(ids=[notice.pk])["skipped"] == 1  # another worker leaves it alone
    later = timezone.now() + datetime.timedelta(seconds=settings.NOTICES_LEASE_SECONDS + 1)
    assert notices_sweep(now=later)["stalled"] == 1
    assert notices_deliver(ids=[notice.pk], now=later)["delivered"] == 1
    assert list(DeliveryAttempt.objects.filter(notice=notice).values_list("number", "outcome")) == [
        (1, "lost"), (2, "delivered")]
    assert len(smtp_sink.messages) == 1


def test_deliver_notices_command_sends_what_is_due_without_a_worker(smtp_sink, contact_citizen):
    from django.core.management import call_command

    notice = Notice.objects.get(citizen=contact_citizen())
    call_command("deliver_notices")
    notice.refresh_from_db()
    assert notice.delivery_status == "delivered" and smtp_sink.message_ids() == [f"<notice-{notice.pk}@points.invalid>"]
    call_command("deliver_notices")
    assert len(smtp_sink.messages) == 1


def test_every_scheduled_job_is_a_registered_task(settings):
    import notices.tasks  # noqa: F401  (registers the tasks)

    assert {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} <= set(app.tasks)
    assert {"notices.sweep", "notices.enroll_due", "notices.expire_points", "notices.appeals_overdue",
            "notices.expiry_warnings", "notices.ledger_checkpoint"} <= {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
