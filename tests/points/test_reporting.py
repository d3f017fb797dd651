"""Reporting, retracting and enrolling through the services: points, idempotency, refusals."""
import datetime

import pytest
from django.utils import timezone

from core.exceptions import Forbidden, IdempotencyConflict, NotEnrolled, NotFound, ValidationFailed
from points.models import Event, GradeChange, LedgerEntry
from points.services import citizen_enroll, event_report, event_retract
from points.synthetic import PILOT_START

CASE = {"case_number": "(2025)苏1324刑初17号"}
WHEN = datetime.datetime(2025, 3, 1, 10, 0, tzinfo=PILOT_START.tzinfo)


def report(agency, citizen, event_type, key, attributes=None, occurred_at=WHEN):
    if attributes is None:
        attributes = CASE if event_type.endswith("conviction") else {"months": 3}
    return event_report(agency=agency, resident_id=citizen.resident_id, event_type=event_type,
                        occurred_at=occurred_at, attributes=attributes, idempotency_key=key)


def ledger_sum(citizen):
    return sum(LedgerEntry.objects.filter(citizen=citizen).values_list("delta", flat=True))


def test_enrolment_opens_ledger_with_starting_points(make_citizen):
    citizen = make_citizen()
    opening = LedgerEntry.objects.get(citizen=citizen)
    assert (opening.kind, opening.delta, opening.rule_id) == ("opening", 1000, "starting_points")
    assert opening.event.event_type == "enrolment" and opening.policy_version
    assert (citizen.score, citizen.grade) == (1000, "A")
    assert GradeChange.objects.get(citizen=citizen).to_grade == "A"


def test_enrolment_is_idempotent(make_citizen):
    citizen = make_citizen()
    citizen_enroll(citizen=citizen)
    assert LedgerEntry.objects.filter(citizen=citizen).count() == 1


def test_under_14_is_not_enrolled(make_citizen):
    young = make_citizen(birth_date=timezone.localdate() - datetime.timedelta(days=13 * 365), enrol=False)
    with pytest.raises(NotEnrolled, match="under 14"):
        citizen_enroll(citizen=young)
    young.refresh_from_db()
    assert young.score is None and not LedgerEntry.objects.filter(citizen=young).exists()


def test_suining_scenario_end_to_end(make_citizen, agencies):
    citizen = make_citizen()
    steps = [
        ("civil_affairs", "elderly_care", {"months": 12}, 50),
        ("community", "helping_poor", {"media_reported": False}, 10),
        ("community", "helping_poor", {"media_reported": True}, 15),
        ("court", "drunk_driving_conviction", CASE, -50),
        ("court", "bribery_conviction", CASE, -50),
    ]
    score = 1000
    for number, (agency, event_type, attributes, delta) in enumerate(steps):
        result = report(agencies[agency], citizen, event_type, f"k{number}", attributes,
                        occurred_at=WHEN + datetime.timedelta(days=number))
        score += delta
        assert [e.delta for e in result.entries] == [delta], event_type
        assert result.score == score and result.created
        entry = result.entries[0]
        assert entry.event == result.event and entry.rule_id and entry.policy_version == result.event.policy_version
    citizen.refresh_from_db()
    assert citizen.score == 975 == ledger_sum(citizen)
    assert citizen.grade == "A"


def test_same_key_same_content_is_not_counted_twice(make_citizen, agencies):
    citizen = make_citizen()
    first = report(agencies["court"], citizen, "drunk_driving_conviction", "dup")
    again = report(agencies["court"], citizen, "drunk_driving_conviction", "dup")
    assert not again.created and again.event.pk == first.event.pk
    assert [e.pk for e in again.entries] == [e.pk for e in first.entries]
    citizen.refresh_from_db()
    assert citizen.score == 950 and Event.objects.filter(citizen=citizen).count() == 2  # enrolment + one


def test_same_key_other_content_conflicts(make_citizen, agencies):
    citizen = make_citizen()
    report(agencies["court"], citizen, "drunk_driving_conviction", "dup")
    with pytest.raises(IdempotencyConflict):
        report(agencies["court"], citizen, "bribery_conviction", "dup")
    citizen.refresh_from_db()
    assert citizen.score == 950


def test_keys_are_per_agency(make_citizen, agencies):
    citizen = make_citizen()
    report(agencies["court"], citizen, "drunk_driving_conviction", "shared")
    report(agencies["civil_affairs"], citizen, "elderly_care", "shared")
    citizen.refresh_from_db()
    assert citizen.score == 1000 and citizen.events.count() == 3


@pytest.mark.parametrize("field, kwargs", [
    ("event_type", {"event_type": "jaywalking_at_night"}),
    ("occurred_at", {"occurred_at": timezone.now() + datetime.timedelta(days=2)}),
    ("occurred_at", {"occurred_at": datetime.datetime(2023, 1, 1, tzinfo=PILOT_START.tzinfo)}),
    ("resident_id", {"resident_id": "110105194912310021"}),
    ("idempotency_key", {"idempotency_key": ""}),
    ("attributes.media_reported", {"event_type": "helping_poor", "attributes": {"media_reported": "yes"}}),
])
def test_bad_reports_name_the_field_and_change_nothing(make_citizen, agencies, field, kwargs):
    citizen = make_citizen()
    args = dict(agency=agencies["court"], resident_id=citizen.resident_id, event_type="drunk_driving_conviction",
                occurred_at=WHEN, attributes=CASE, idempotency_key="bad")
    if kwargs.get("event_type") == "helping_poor":
        args["agency"] = agencies["community"]
    args.update(kwargs)
    with pytest.raises(ValidationFailed) as info:
        event_report(**args)
    assert field in info.value.field_errors
    assert Event.objects.filter(citizen=citizen).count() == 1


def test_unknown_citizen_is_not_found(agencies):
    with pytest.raises(NotFound):
        event_report(agency=agencies["court"], resident_id="11010519491231002X", event_type="bribery_conviction",
                     occurred_at=WHEN, attributes=CASE, idempotency_key="x")


def test_agency_may_report_only_its_event_types(make_citizen, agencies):
    citizen = make_citizen()
    with pytest.raises(Forbidden):
        report(agencies["community"], citizen, "bribery_conviction", "nope")


def test_deceased_citizen_cannot_be_scored(make_citizen, agencies):
    citizen = make_citizen()
    citizen.status = "deceased"
    citizen.save()
    with pytest.raises(NotEnrolled):
        report(agencies["court"], citizen, "bribery_conviction", "late")


def test_retraction_reverses_exactly_and_regrades(make_citizen, agencies):
    citizen = make_citizen()
    first = report(agencies["court"], citizen, "bribery_conviction", "b1")
    assert first.grade == "B"
    reversals = event_retract(event=first.event, agency=agencies["court"], reason="wrong person")
    assert [(r.delta, r.reverses_id) for r in reversals] == [(50, first.entries[0].pk)]
    citizen.refresh_from_db()
    assert (citizen.score, citizen.grade) == (1000, "A") and ledger_sum(citizen) == 1000
    event = Event.objects.get(pk=first.event.pk)
    assert (event.status, event.status_reason, event.status_changed_by) == ("retracted", "wrong person", "court")
    assert list(GradeChange.objects.filter(citizen=citizen).order_by("id").values_list("to_grade", flat=True)) == [
        "A", "B", "A"]


def test_only_the_reporting_agency_may_retract(make_citizen, agencies):
    citizen = make_citizen()
    result = report(agencies["court"], citizen, "bribery_conviction", "b1")
    with pytest.raises(Forbidden):
        event_retract(event=result.event, agency=agencies["police"], reason="not ours")
    with pytest.raises(ValidationFailed):
        event_retract(event=result.event, agency=agencies["court"], reason="  ")
    citizen.refresh_from_db()
    assert citizen.score == 950
