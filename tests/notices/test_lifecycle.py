"""Notices for the whole life of a record: appeals filed (to the citizen and the reporting agency),
decided with reasons, overdue; points about to stop counting; a service refused because of the grade.
Scheduled jobs and repeated lookups tell each fact once."""
import datetime

import pytest

from appeals.services import appeal_file, appeal_reject, appeal_start_review, appeal_uphold
from notices.lifecycle import appeals_overdue_notices, expiry_warnings
from notices.models import Notice
from notices.selectors import agency_inbox
from notices.tasks import appeals_overdue, ledger_checkpoint
from points.agencies import agency_set_services
from points.services import event_retract
from tests.fixtures.reporting import WHEN

FILED = datetime.datetime(2025, 4, 1, 9, 30, tzinfo=WHEN.tzinfo)


@pytest.fixture
def convicted(contact_citizen, report):
    citizen = contact_citizen()
    return citizen, report(citizen, "drunk_driving_conviction").event


def test_appeal_filed_tells_the_citizen_and_the_reporting_agency(convicted, agencies):
    citizen, event = convicted
    appeal = appeal_file(event=event, grounds="I was not driving.", by="clerk", now=FILED)
    to_citizen = Notice.objects.get(citizen=citizen, kind="appeal_filed")
    assert to_citizen.subject == f"Your appeal #{appeal.pk} against event #{event.pk} was filed"
    assert "Grounds given: I was not driving." in to_citizen.body and f"decide by {appeal.deadline}" in to_citizen.body
    assert (to_citizen.channel, to_citizen.delivery_status) == ("email", "pending")
    (to_agency,) = agency_inbox(agency=agencies["court"])
    assert (to_agency.kind, to_agency.appeal_id, to_agency.channel, to_agency.delivery_status) == (
        "appeal_filed", appeal.pk, "inbox", "stored")
    assert citizen.resident_id in to_agency.body
    assert f"POST /api/v1/appeals/{appeal.pk}/answer/ by {appeal.source_due}" in to_agency.body


def test_appeal_decided_gives_the_written_reasons_and_what_to_do(convicted):
    citizen, event = convicted
    appeal = appeal_file(event=event, grounds="Wrong person.", by="clerk", now=FILED)
    appeal_start_review(appeal=appeal, by="reviewer")
    appeal_reject(appeal=appeal, reasons="The judgment names you (case 17).", by="reviewer")
    notice = Notice.objects.get(citizen=citizen, kind="appeal_decided")
    assert notice.subject == f"Your appeal #{appeal.pk} was rejected"
    assert "Written reasons: The judgment names you (case 17)." in notice.body
    assert "administrative reconsideration" in notice.body


def test_appeal_upheld_is_told_with_the_reversal(convicted):
    citizen, event = convicted
    appeal = appeal_file(event=event, grounds="Wrong person.", by="clerk", now=FILED)
    appeal_start_review(appeal=appeal, by="reviewer")
    appeal_uphold(appeal=appeal, reasons="Another man of the same name.", by="reviewer")
    kinds = list(Notice.objects.filter(citizen=citizen).order_by("id").values_list("kind", flat=True))
    assert kinds[-2:] in (["reversal", "appeal_decided"], ["appeal_decided", "reversal"])
    assert "upheld" in Notice.objects.get(kind="appeal_decided", citizen=citizen).subject


def test_overdue_appeal_is_told_once_however_often_the_job_runs(convicted):
    citizen, event = convicted
    appeal = appeal_file(event=event, grounds="Wrong person.", by="clerk", now=FILED)
    late = appeal.deadline + datetime.timedelta(days=3)
    assert appeals_overdue_notices(today=appeal.deadline) == 0
    assert appeals_overdue_notices(today=late) == 1
    assert appeals_overdue_notices(today=late + datetime.timedelta(days=1)) == 0
    notice = Notice.objects.get(kind="appeal_overdue")
    assert "3 days late" in notice.body and notice.citizen == citizen
    assert appeals_overdue() == 0  # the scheduled task: nothing new


def test_points_about_to_stop_counting_are_told_30_days_before_once(convicted):
    citizen, event = convicted  # its -50 stop counting on 2028-03-01
    assert expiry_warnings(today=datetime.date(2028, 1, 30)) == 0  # 31 days before: not yet
    assert expiry_warnings(today=datetime.date(2028, 1, 31)) == 1
    assert expiry_warnings(today=datetime.date(2028, 2, 15)) == 0
    notice = Notice.objects.get(kind="expiry_soon")
    assert notice.subject == "-50 points of “Conviction for drunk driving” stop counting on 2028-03-01"
    assert notice.event_id == event.pk and "You need to do nothing" in notice.body


def test_retraction_tells_the_reason(convicted, agencies):
    citizen, event = convicted
    event_retract(event=event, reason="Reported for the wrong person.", agency=agencies["court"])
    notice = Notice.objects.get(citizen=citizen, kind="reversal")
    assert "Reason: Reported for the wrong person." in notice.body and notice.channel == "email"


def test_a_refused_service_is_told_once_for_300_lookups(contact_citizen, report, as_agency, agencies):
    agency_set_services(agency=agencies["licensing"], services=["public_employment", "school_admission"])
    citizen = contact_citizen()
    for day in range(4):  # 1000 - 4 x 50 = 800: grade C, public employment goes to review
        report(citizen, "drunk_driving_conviction", occurred_at=WHEN + datetime.timedelta(days=day))
    citizen.refresh_from_db()
    assert citizen.grade == "C"
    client = as_agency("licensing")
    url = f"/api/v1/citizens/{citizen.resident_id}/eligibility/?service=public_employment"
    for _ in range(300):
        assert client.get(url).status_code == 200
    (notice,) = Notice.objects.filter(citizen=citizen, kind="service")
    assert "goes to review because of your grade" in notice.subject and "Your grade is C" in notice.body
    assert client.get(f"/api/v1/citizens/{citizen.resident_id}/eligibility/?service=school_admission")
    assert Notice.objects.filter(citizen=citizen, kind="service").count() == 1  # allowed: nothing to tell


def test_ledger_checkpoint_job_runs_the_command_only_where_it_exists(db, monkeypatch, make_citizen):
    import notices.tasks
    from points.checkpoints import read_store

    make_citizen()
    assert ledger_checkpoint() is True
    assert len(read_store().checkpoints) == 1  # the scheduled job signed one
    monkeypatch.setattr(notices.tasks, "LEDGER_CHECKPOINT_COMMAND", "no_such_command")
    assert ledger_checkpoint() is False
    assert len(read_store().checkpoints) == 1


def test_a_withdrawn_appeal_is_told_to_the_citizen_and_the_source(convicted, agencies):
    from appeals.services import appeal_withdraw

    citizen, event = convicted
    appeal = appeal_file(event=event, grounds="I was not driving.", by="clerk", now=FILED)
    appeal_withdraw(appeal=appeal, by="citizen", reasons="Found the receipt.")
    to_citizen = Notice.objects.get(citizen=citizen, kind="appeal_decided")
    assert to_citizen.subject == f"You withdrew your appeal #{appeal.pk}"
    assert "the record stands as reported" in to_citizen.body
    assert Notice.objects.filter(agency=agencies["court"], kind="appeal_decided", appeal=appeal).count() == 1
