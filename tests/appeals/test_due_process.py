"""Due process beyond the Liu Hu case: the office's decision deadline, the source's withdrawal,
late appeals, migrated records and eligibility of people who are not active."""
import json

import pytest
import time_machine
from django.core.management import call_command

from appeals.models import Appeal
from appeals.services import appeal_answer, appeal_file, appeals_deadlines
from citizens.models import Citizen
from points.models import Event, LedgerEntry
from tests.api.conftest import basic_client, report_body, staff_user
from tests.appeals.test_liu_hu import day


def _report(as_agency, citizen, agency="police", event_type="traffic_violation", key="dp-1", occurred_at=None):
    response = as_agency(agency).post("/api/v1/events/", report_body(
        citizen, event_type=event_type, key=key, occurred_at=occurred_at or day(0, 9)))
    assert response.status_code == 201, response.content
    return Event.objects.get(pk=response.json()["event_id"])


def test_the_offices_missed_decision_suspends_and_an_upheld_appeal_leaves_it_reversed(make_citizen, agencies,
                                                                                       as_agency):
    citizen = make_citizen()
    with time_machine.travel(day(0), tick=False) as clock:
        event = _report(as_agency, citizen)
        appeal = appeal_file(event=event, grounds="It was not me.", by="clerk", now=day(1))
        appeal_answer(appeal=appeal, agency=event.agency, answer="confirm", reasons="Camera 12.",
                      evidence=["Photo 7731"], now=day(3))
        assert appeals_deadlines(now=day(20)) == []  # the police answered in time; the office's 30 days run
        escalated = appeals_deadlines(now=day(32))
        assert [a.pk for a in escalated] == [appeal.pk] and appeals_deadlines(now=day(33)) == []
        citizen.refresh_from_db()
        assert citizen.score == 1000
        assert "office did not decide by 2025-04-01" in LedgerEntry.objects.get(kind="suspension").reason
        staff_user("supervisor")
        clock.move_to(day(34))
        upheld = basic_client("supervisor").post(f"/api/v1/appeals/{appeal.pk}/uphold/",
                                                 {"reasons": "The photo shows another car."}, format="json")
        assert upheld.status_code == 200, upheld.content
    event.refresh_from_db()
    citizen.refresh_from_db()
    assert event.status == "voided" and citizen.score == 1000
    assert list(LedgerEntry.objects.filter(event=event).values_list("kind", flat=True)) == ["rule", "suspension"]


def test_the_source_withdraws_its_report_through_the_reversal_mechanism(make_citizen, agencies, as_agency):
    citizen = make_citizen()
    with time_machine.travel(day(0), tick=False):
        event = _report(as_agency, citizen, agency="court", event_type="unpaid_court_judgment")
        appeal = appeal_file(event=event, grounds="Paid in January.", by="clerk", claim="paid",
                             evidence=["Receipt 1"])
        response = as_agency("court").post(f"/api/v1/appeals/{appeal.pk}/answer/",
                                           {"answer": "withdraw", "reasons": "The payment was found."}, format="json")
        assert response.status_code == 200, response.content
    event.refresh_from_db()
    citizen.refresh_from_db()
    assert event.status == "retracted" and "in answer to appeal" in event.status_reason and citizen.score == 1000
    assert Appeal.objects.get(pk=appeal.pk).transitions.last().by == "court"


def test_a_claim_of_payment_needs_evidence_and_a_late_appeal_an_officials_reason(make_citizen, agencies, as_agency):
    citizen = make_citizen()
    with time_machine.travel(day(0), tick=False) as clock:
        event = _report(as_agency, citizen)
        official = basic_client(staff_user("clerk").username)
        url = f"/api/v1/events/{event.pk}/appeals/"
        no_evidence = official.post(url, {"grounds": "Paid.", "claim": "paid"}, format="json")
        assert no_evidence.status_code == 400 and "evidence" in no_evidence.json()["field_errors"]
        clock.move_to(day(61))
        late = official.post(url, {"grounds": "Not me."}, format="json")
        assert late.status_code == 400 and "late_reason" in late.json()["field_errors"]
        assert "2025-04-30" in late.json()["message"]
        assert not Appeal.objects.exists()
        accepted = official.post(url, {"grounds": "Not me.", "late_reason": "He was in hospital in April."},
                                 format="json")
        assert accepted.status_code == 201 and accepted.json()["late_reason"] == "He was in hospital in April."
        assert "Filed late" in accepted.json()["transitions"][0]["reasons"]


def test_migrated_records_may_predate_enrolment_and_say_so(make_citizen, agencies, tmp_path):
    citizen = make_citizen()  # enrolled 2024-01-01
    line = {"agency": "court", "resident_id": citizen.resident_id, "event_type": "unpaid_court_judgment",
            "occurred_at": "2023-11-02T10:00:00+08:00", "idempotency_key": "county-list-17",
            "attributes": {"case_number": "(2023) Su 1324 Zhi 3"}}
    path = tmp_path / "county.jsonl"
    path.write_text(json.dumps(line) + "\n")
    call_command("ingest_events", str(path), verbosity=0)
    assert not Event.objects.filter(idempotency_key="county-list-17").exists()  # refused without --migrated
    assert "before enrolment" in (tmp_path / "county.jsonl.rejects.jsonl").read_text()
    call_command("ingest_events", str(path), "--migrated", verbosity=0)
    event = Event.objects.get(idempotency_key="county-list-17")
    citizen.refresh_from_db()
    # Scored by the rules in force on the day it occurred: OWN-UNPAID-JUDGMENT starts 2024-01-01, so nothing.
    assert event.migrated and event.entries.count() == 0 and citizen.score == 1000


@pytest.mark.parametrize("status", [Citizen.Status.MOVED_AWAY, Citizen.Status.DECEASED])
def test_eligibility_of_people_not_active_is_422_like_reports(status, make_citizen, agencies, as_agency):
    citizen = make_citizen()
    Citizen.objects.filter(pk=citizen.pk).update(status=status)
    response = as_agency("licensing").get(f"/api/v1/citizens/{citizen.resident_id}/eligibility/")
    assert response.status_code == 422 and response.json()["code"] == "not_enrolled", response.content
    report = as_agency("police").post("/api/v1/events/", report_body(citizen, event_type="traffic_violation"))
    assert report.status_code == 422
