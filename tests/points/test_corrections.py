"""Corrections: void plus a new linked event, both visible; all or nothing."""
import pytest

from core.exceptions import Forbidden, InvalidState, ValidationFailed
from notices.models import Notice
from points.corrections import event_correct
from points.models import Event, LedgerEntry
from points.selectors import citizen_ledger
from points.services import event_retract


@pytest.fixture
def minor(make_citizen, report):
    citizen = make_citizen()
    return citizen, report(citizen, "traffic_violation", {"severity": "minor"}).event


def test_correction_voids_and_reports_again_both_visible(minor, official):
    citizen, event = minor
    result = event_correct(event=event, attributes={"severity": "serious"}, reason="Police record says red light.",
                           by="official", user=official)
    new = result.report.event
    assert (result.voided.status, result.voided.status_reason) == ("voided", "Corrected: Police record says red light.")
    assert [e.delta for e in result.reversals] == [5]
    assert (new.corrects, new.agency, new.reported_by, new.idempotency_key) == (event, event.agency, official,
                                                                              f"correction:{event.pk}")
    assert (new.attributes, new.occurred_at, new.status) == ({"severity": "serious"}, event.occurred_at, "applied")
    assert [(e.rule_id, e.delta) for e in result.report.entries] == [("OWN-TRAFFIC-SERIOUS", -20)]
    citizen.refresh_from_db()
    assert citizen.score == 980
    lines = [(e.event_id, e.kind, e.delta) for e in citizen_ledger(citizen=citizen)]
    assert lines[:3] == [(new.pk, "rule", -20), (event.pk, "reversal", 5), (event.pk, "rule", -5)]
    assert list(event.corrected_by.all()) == [new]
    assert Notice.objects.filter(citizen=citizen, event__in=[event, new]).count() == 3  # report, reversal, new


def test_an_event_is_corrected_once_then_the_correction_is_corrected(minor):
    _, event = minor
    first = event_correct(event=event, attributes={"severity": "serious"}, reason="red light", by="o")
    with pytest.raises(InvalidState, match="already corrected by event"):
        event_correct(event=event, attributes={"severity": "serious"}, reason="again", by="o")
    second = event_correct(event=first.report.event, attributes={"severity": "minor"}, reason="it was parking",
                           by="o")
    assert second.report.event.corrects == first.report.event
    assert second.report.event.citizen.score == 995


def test_invalid_correction_changes_nothing(minor):
    citizen, event = minor
    before = LedgerEntry.objects.count(), Event.objects.count()
    with pytest.raises(ValidationFailed) as error:
        event_correct(event=event, attributes={"severity": "huge"}, reason="typo", by="o")
    assert "attributes.severity" in error.value.field_errors
    with pytest.raises(ValidationFailed, match="changes nothing"):
        event_correct(event=event, attributes={"severity": "minor"}, reason="same", by="o")
    with pytest.raises(ValidationFailed, match="reason"):
        event_correct(event=event, attributes={"severity": "serious"}, reason=" ", by="o")
    assert (LedgerEntry.objects.count(), Event.objects.count()) == before
    event.refresh_from_db()
    citizen.refresh_from_db()
    assert event.status == "applied" and citizen.score == 995


def test_withdrawn_events_and_enrolments_cannot_be_corrected(minor, agencies):
    citizen, event = minor
    with pytest.raises(InvalidState, match="enrolment"):
        event_correct(event=Event.objects.get(citizen=citizen, event_type="enrolment"), attributes={"x": 1},
                      reason="r", by="o")
    event_retract(event=event, reason="wrong person", agency=agencies["police"])
    with pytest.raises(InvalidState, match="retracted"):
        event_correct(event=event, attributes={"severity": "serious"}, reason="r", by="o")


def test_deactivated_agency_blocks_the_correction_atomically(minor):
    citizen, event = minor
    agency = event.agency
    agency.is_active = False
    agency.save()
    with pytest.raises(Forbidden):
        event_correct(event=event, attributes={"severity": "serious"}, reason="r", by="o")
    event.refresh_from_db()
    assert event.status == "applied"
