"""Notices: every score or grade change is told to the citizen and stored with the change (delivery: tests/notices)."""
import datetime
import json

import pytest
from django.db import transaction
from django.utils import timezone

from notices.models import Notice
from points.ingest import events_ingest
from points.models import Event, LedgerEntry
from points.services import event_retract
from tests.fixtures.reporting import CASE, WHEN


def appeal_until(event):
    """The last day of the citizen's own time to appeal: 60 days (grades.yaml) from the report."""
    return timezone.localdate(event.reported_at) + datetime.timedelta(days=60)


def test_enrolment_and_a_deduction_each_make_a_notice(make_citizen, report):
    citizen = make_citizen()
    opening = Notice.objects.get(citizen=citizen)
    assert (opening.kind, opening.score_before, opening.score_after, opening.grade_after) == ("enrolment", None,
                                                                                             1000, "A")
    assert opening.subject == "You are enrolled with 1000 points (grade A)"
    result = report(citizen, "drunk_driving_conviction")
    notice = Notice.objects.get(citizen=citizen, event=result.event)
    assert (notice.kind, notice.score_before, notice.score_after) == ("points", 1000, 950)
    assert (notice.grade_before, notice.grade_after, notice.grade_changed) == ("A", "B", True)
    assert notice.subject == "Your points changed from 1000 to 950 (-50); your grade is now B (was A)"
    assert notice.rule_ids == ["SN-DRUNK-DRIVING"] and notice.appeal_deadline_days == 30
    for words in (citizen.resident_id, "Conviction for drunk driving on 2025-03-01",
                  "A court convicted you of drunk driving",
                  'Legal basis: Suining pilot scoring table, item "drunk driving conviction" (-50)',
                  "They stop counting on 2028-03-01.", "Your grade changed from A to B",
                  f"appeal against event #{result.event.pk}", "decide within 30 days",
                  f"Appeals are accepted until {appeal_until(result.event).isoformat()};",
                  "reported by Suining County People's Court"):
        assert words in notice.body, words
    # No contact in the register: nothing can reach the person, and the operators' view says so.
    assert notice.delivery_status == "undeliverable" and notice.channel == ""


def test_retraction_notice_says_why_and_is_not_appealable(make_citizen, report, agencies):
    citizen = make_citizen()
    result = report(citizen, "drunk_driving_conviction")
    event_retract(event=result.event, reason="Reported for the wrong person.", agency=agencies["court"])
    notice = Notice.objects.filter(citizen=citizen, kind="reversal").get()
    assert (notice.score_before, notice.score_after, notice.grade_before, notice.grade_after) == (950, 1000, "B", "A")
    assert "Reason: Reported for the wrong person." in notice.body
    assert notice.appeal_deadline_days is None and "How to appeal" not in notice.body


def test_no_notice_survives_a_rolled_back_change(make_citizen, report):
    citizen = make_citizen()
    with pytest.raises(RuntimeError), transaction.atomic():
        report(citizen, "drunk_driving_conviction")
        raise RuntimeError("the caller's transaction fails after the report")
    assert list(Notice.objects.filter(citizen=citizen).values_list("kind", flat=True)) == ["enrolment"]


def test_bulk_ingest_makes_one_notice_per_citizen_and_event(make_citizen, agencies):
    citizens = [make_citizen() for _ in range(3)]
    lines = [json.dumps({"agency": "court", "resident_id": c.resident_id, "event_type": "drunk_driving_conviction",
                         "occurred_at": WHEN.isoformat(), "attributes": CASE, "idempotency_key": f"k{n}-{c.pk}"})
             for n in range(2) for c in citizens]
    result = events_ingest(lines=enumerate(lines, start=1))
    assert result.applied == 6
    for citizen in citizens:
        notices = list(Notice.objects.filter(citizen=citizen, kind="points").order_by("id"))
        assert [(n.score_before, n.score_after, n.grade_before, n.grade_after) for n in notices] == [
            (1000, 950, "A", "B"), (950, 900, "B", "B")]
    assert Notice.objects.filter(kind="points").count() == Event.objects.exclude(event_type="enrolment").count()


def test_notice_count_matches_score_changes(make_citizen, report):
    citizen = make_citizen()
    report(citizen, "helping_poor", {"media_reported": True})
    report(citizen, "volunteering", {"hours": 2.0})  # no rule matches: no points, no notice
    changing_events = LedgerEntry.objects.filter(citizen=citizen).values("event").distinct().count()
    assert Notice.objects.filter(citizen=citizen).count() == changing_events == 2
