"""An appeal's notices to the reporting agency and to the supervisors live in notices.Notice, the one
store and outbox: emailed through the real queue (Celery on Redis, a worker thread) to a real SMTP
server, or kept in the agency's inbox when it has no contact. Appeals tells notices through
``appeals.signals`` and never imports notices."""
import ast
import datetime
import logging
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from appeals import signals
from appeals.services import appeal_file, appeal_reject, appeals_deadlines
from notices import receivers
from notices.models import AgencyContact, Notice
from notices.services import notice_resend, notices_deliver
from tests.fixtures.reporting import WHEN
from tests.notices.conftest import wait_until

FILED = datetime.datetime(2025, 4, 1, 9, 30, tzinfo=WHEN.tzinfo)
AFTER_SOURCE_DAY = FILED + datetime.timedelta(days=20)


def official(username, *, email="", supervisor=True):
    user = get_user_model().objects.create_user(username, email=email, is_staff=True)
    if supervisor:
        user.groups.add(Group.objects.get_or_create(name="Supervisors")[0])
    return user


def sent(notice) -> bool:
    notice.refresh_from_db()
    return notice.delivery_status == "delivered"


@pytest.mark.django_db(transaction=True)
def test_escalation_reaches_the_supervisors_and_the_source_by_email_once(worker, smtp_sink, contact_citizen,
                                                                          report, agencies):
    AgencyContact.objects.create(agency=agencies["court"], email="appeals@court.example")
    chief = official("chief", email="chief@points.example")
    deputy = official("deputy")  # no email address: undeliverable, and the admin says so
    official("clerk", email="clerk@points.example", supervisor=False)  # not a supervisor: not told
    event = report(contact_citizen(), "drunk_driving_conviction").event
    appeal = appeal_file(event=event, grounds="I was not driving.", by="clerk", now=FILED)
    (filed,) = Notice.objects.filter(agency=agencies["court"], kind="appeal_filed")
    assert (filed.channel, filed.delivery_status) == ("email", "pending")

    appeals_deadlines(now=AFTER_SOURCE_DAY)
    appeals_deadlines(now=AFTER_SOURCE_DAY)  # the daily job run twice tells no one twice
    to_chief = Notice.objects.get(official=chief, kind="appeal_escalated", appeal=appeal)
    assert Notice.objects.get(official=deputy).delivery_status == "undeliverable"
    assert not Notice.objects.filter(official__username="clerk").exists()
    escalated = Notice.objects.get(agency=agencies["court"], kind="appeal_escalated")
    wait_until(lambda: sent(filed) and sent(to_chief) and sent(escalated))

    by_id = {m["Message-ID"]: m for m in smtp_sink.messages}
    assert by_id[f"<notice-{to_chief.pk}@points.invalid>"]["To"] == "chief@points.example"
    assert "did not answer by" in by_id[f"<notice-{to_chief.pk}@points.invalid>"].get_content()
    assert by_id[f"<notice-{filed.pk}@points.invalid>"]["To"] == "appeals@court.example"
    assert by_id[f"<notice-{escalated.pk}@points.invalid>"]["To"] == "appeals@court.example"
    assert to_chief.delivery_attempts.get().address == "chief@points.example"
    # A repeated delivery job sends nothing again.
    assert notices_deliver(ids=[to_chief.pk, filed.pk, escalated.pk])["skipped"] == 3
    assert len([m for m in smtp_sink.messages if m["To"] != "li.hua@example.cn"]) == 3


def test_an_agency_without_a_contact_reads_it_in_its_inbox_until_resent(contact_citizen, report, agencies):
    event = report(contact_citizen(), "drunk_driving_conviction").event
    appeal = appeal_file(event=event, grounds="Wrong person.", by="clerk", now=FILED)
    appeal_reject(appeal=appeal_deadlines_escalated(appeal), reasons="The judgment names you.", by="chief")
    inbox = Notice.objects.filter(agency=agencies["court"]).order_by("id")
    assert [(n.kind, n.channel, n.delivery_status) for n in inbox] == [
        ("appeal_filed", "inbox", "stored"), ("appeal_escalated", "inbox", "stored"),
        ("appeal_decided", "inbox", "stored")]
    assert "Written reasons: The judgment names you." in inbox.last().body
    # Once the agency gives a contact, an official's resend emails it.
    AgencyContact.objects.create(agency=agencies["court"], email="appeals@court.example")
    resent = notice_resend(notice=inbox.last())
    assert (resent.channel, resent.delivery_status) == ("email", "pending")


def appeal_deadlines_escalated(appeal):
    (escalated,) = appeals_deadlines(now=AFTER_SOURCE_DAY)
    assert escalated.pk == appeal.pk
    return escalated


def test_no_supervisor_is_logged_and_the_appeal_still_escalates(contact_citizen, report, caplog):
    event = report(contact_citizen(), "drunk_driving_conviction").event
    appeal = appeal_file(event=event, grounds="Wrong person.", by="clerk", now=FILED)
    with caplog.at_level(logging.WARNING, logger="notices"):
        appeal_deadlines_escalated(appeal)
    assert not Notice.objects.filter(official__isnull=False).exists()
    assert "no active official is in the 'Supervisors' group" in caplog.text


def test_receivers_are_connected_once_however_often_ready_runs():
    receivers.connect()
    receivers.connect()
    for signal, uid in ((signals.appeal_filed, "notices_appeal_filed"),
                        (signals.appeal_escalated, "notices_appeal_escalated"),
                        (signals.appeal_decided, "notices_appeal_decided")):
        assert [key for (key, _target), *_rest in signal.receivers if key == uid] == [uid]


def test_appeals_does_not_import_notices():
    for path in Path(signals.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        names = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
        names += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
        assert not [name for name in names if name.split(".")[0] == "notices"], path


@pytest.mark.skipif(bool(settings.DATABASE_APP_ROLE), reason="the application role may not change the schema; "
                    "the migration runs on SQLite here and as the owner in production")
@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_appeal_notices_into_notices(contact_citizen, report, agencies):
    chief = official("chief", email="chief@points.example")
    event = report(contact_citizen(), "drunk_driving_conviction").event
    signals.appeal_filed.disconnect(dispatch_uid="notices_appeal_filed")  # as before: only AppealNotice held it
    try:
        appeal = appeal_file(event=event, grounds="Wrong person.", by="clerk", now=FILED)
    finally:
        receivers.connect()
    before = [("appeals", "0003_due_process"), ("notices", "0005_agency_and_supervisor_notices")]
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    old = MigrationExecutor(connection).loader.project_state(before).apps.get_model("appeals", "AppealNotice")
    for recipient, moment in (("agency", "filed"), ("agency", "escalated"), ("supervisors", "escalated")):
        old.objects.create(appeal_id=appeal.pk, recipient=recipient, moment=moment, created_at=FILED,
                           agency_id=agencies["court"].pk if recipient == "agency" else None,
                           subject=f"{moment} for {recipient}", body=f"body of {moment}")
    MigrationExecutor(connection).migrate(leaves)

    moved = Notice.objects.filter(appeal=appeal).exclude(citizen__isnull=False).order_by("id")
    assert [(n.agency_id, n.official_id, n.kind, n.subject, n.dedup_key, n.delivery_status) for n in moved] == [
        (agencies["court"].pk, None, "appeal_filed", "filed for agency", f"appeal-filed-agency:{appeal.pk}",
         "stored"),
        (agencies["court"].pk, None, "appeal_escalated", "escalated for agency",
         f"appeal-escalated-agency:{appeal.pk}", "stored"),
        (None, chief.pk, "appeal_escalated", "escalated for supervisors",
         f"appeal-escalated-supervisor:{appeal.pk}:{chief.pk}", "pending")]
    assert "appeals_appealnotice" not in connection.introspection.table_names()


def test_the_scheduler_escalates_overdue_appeals(settings, contact_citizen, report):
    from notices import tasks

    assert settings.CELERY_BEAT_SCHEDULE["appeals-deadlines"]["task"] == tasks.appeals_deadlines.name
    official("chief", email="chief@points.example")
    event = report(contact_citizen(), "drunk_driving_conviction").event
    appeal = appeal_file(event=event, grounds="Wrong person.", by="clerk", now=FILED)
    with time_machine.travel(AFTER_SOURCE_DAY, tick=False):
        assert tasks.appeals_deadlines() == [appeal.pk]
        assert tasks.appeals_deadlines() == []
    assert Notice.objects.get(official__username="chief").kind == "appeal_escalated"
