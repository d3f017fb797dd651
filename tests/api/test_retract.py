"""POST /api/v1/events/{id}/retract/: the reporting agency or an official withdraws a report."""
from citizens.models import Citizen
from points.models import Event, LedgerEntry
from tests.api.conftest import assert_error, report_body


def _reported(citizen, as_agency, code="court"):
    return as_agency(code).post("/api/v1/events/", report_body(citizen)).json()["event_id"]


def url(event_id):
    return f"/api/v1/events/{event_id}/retract/"


def test_reporting_agency_retracts_and_points_come_back(make_citizen, as_agency):
    citizen = make_citizen()
    event_id = _reported(citizen, as_agency)
    response = as_agency("court").post(url(event_id), {"reason": "wrong person"})
    assert response.status_code == 200, response.content
    body = response.json()
    original = LedgerEntry.objects.get(event_id=event_id, kind="rule")
    assert body["status"] == "retracted" and not {"score", "grade"} & set(body)
    assert [(r["kind"], r["delta"]) for r in body["reversals"]] == [("reversal", 50)]
    assert "wrong person" in body["reversals"][0]["explanation"] and "balance_after" not in body["reversals"][0]
    assert Citizen.objects.get(pk=citizen.pk).score == 1000
    assert LedgerEntry.objects.get(pk=body["reversals"][0]["id"]).reverses == original
    event = Event.objects.get(pk=event_id)
    assert (event.status, event.status_reason, event.status_changed_by) == ("retracted", "wrong person", "court")


def test_retracting_twice_is_409(make_citizen, as_agency):
    citizen = make_citizen()
    event_id = _reported(citizen, as_agency)
    as_agency("court").post(url(event_id), {"reason": "wrong"})
    assert_error(as_agency("court").post(url(event_id), {"reason": "again"}), 409, "invalid_state")
    assert Citizen.objects.get(pk=citizen.pk).score == 1000


def test_another_agency_may_not_retract(make_citizen, as_agency):
    citizen = make_citizen()
    event_id = _reported(citizen, as_agency)
    # Another agency's event is as unknown to the police as one that does not exist (no probing of ids).
    ours = assert_error(as_agency("police").post(url(event_id), {"reason": "not ours"}), 404, "not_found")
    missing = assert_error(as_agency("police").post(url(event_id + 1000), {"reason": "x"}), 404, "not_found")
    assert ours["message"].replace(str(event_id), "N") == missing["message"].replace(str(event_id + 1000), "N")
    assert_error(as_agency("licensing").post(url(event_id), {"reason": "no"}), 403, "forbidden")
    assert Event.objects.get(pk=event_id).status == "applied"


def test_official_may_retract(make_citizen, as_agency, as_official):
    citizen = make_citizen()
    event_id = _reported(citizen, as_agency)
    response = as_official.post(url(event_id), {"reason": "clerical error"})
    assert response.status_code == 200 and response.json()["status"] == "retracted"
    assert Citizen.objects.get(pk=citizen.pk).score == 1000
    assert Event.objects.get(pk=event_id).status_changed_by == "official"


def test_reason_is_required(make_citizen, as_agency):
    citizen = make_citizen()
    event_id = _reported(citizen, as_agency)
    assert_error(as_agency("court").post(url(event_id), {}), 400, "invalid", "reason")
    assert_error(as_agency("court").post(url(event_id), {"reason": "   "}), 400, "invalid", "reason")
    assert_error(as_agency("court").post(url(event_id), {"reason": {"a": 1}}), 400, "invalid", "reason")
    assert Event.objects.get(pk=event_id).status == "applied"


def test_unknown_event_is_404(as_agency, db):
    assert_error(as_agency("court").post(url(999999), {"reason": "x"}), 404, "not_found")
    assert_error(as_agency("court").post(url(10**30), {"reason": "x"}), 404, "not_found")
    assert_error(as_agency("court").post("/api/v1/events/abc/retract/", {"reason": "x"}), 404, "not_found")


def test_enrolment_cannot_be_retracted(make_citizen, as_official):
    citizen = make_citizen()
    opening = Event.objects.get(citizen=citizen, event_type="enrolment")
    assert_error(as_official.post(url(opening.pk), {"reason": "x"}), 409, "invalid_state")
