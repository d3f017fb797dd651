"""Appeals, corrections and the statement through the agency API."""
import datetime

import pytest

from appeals.models import Appeal
from audit.models import AccessLog
from citizens.synthetic import resident_id
from points.models import Event
from tests.api.conftest import assert_error, report_body


@pytest.fixture
def contested(make_citizen, as_agency):
    citizen = make_citizen()
    response = as_agency("court").post("/api/v1/events/", report_body(citizen, "drunk_driving_conviction"))
    assert response.status_code == 201
    return citizen, Event.objects.get(pk=response.json()["event_id"])


def test_official_files_reviews_and_upholds_an_appeal(as_official, as_second_official, contested):
    citizen, event = contested
    filed = as_official.post(f"/api/v1/events/{event.pk}/appeals/", {"grounds": "Fine paid; account mistyped."})
    assert filed.status_code == 201, filed.content
    body = filed.json()
    assert (body["state"], body["channel"], body["filed_by"], body["resident_id"]) == (
        "filed", "api", "official", citizen.resident_id)
    eligibility = as_official.get(f"/api/v1/citizens/{citizen.resident_id}/eligibility/?service=driving_licence")
    decision = eligibility.json()["decisions"][0]
    assert decision["under_appeal_since"] and "Decision under appeal since" in decision["reason"]
    appeal = f"/api/v1/appeals/{body['id']}/"
    decider = as_second_official  # the filer may not review or decide (separation of duties)
    assert_error(decider.post(appeal + "uphold/", {"reasons": "too early"}), 409, "invalid_state")
    assert decider.post(appeal + "review/", {}).json()["state"] == "under_review"
    assert_error(decider.post(appeal + "uphold/", {"reasons": ""}), 400, "invalid", "reasons")
    upheld = decider.post(appeal + "uphold/", {"reasons": "Receipt shows payment."}).json()
    assert (upheld["state"], upheld["score"], upheld["grade"]) == ("upheld", 1000, "A")
    assert [t["to_state"] for t in upheld["transitions"]] == ["filed", "under_review", "upheld"]
    assert Event.objects.get(pk=event.pk).status == "voided"
    assert as_official.get(appeal).json()["decision_reasons"] == "Receipt shows payment."


def test_official_rejects_with_reasons(as_official, as_second_official, contested):
    citizen, event = contested
    appeal = as_official.post(f"/api/v1/events/{event.pk}/appeals/", {"grounds": "not me"}).json()["id"]
    as_second_official.post(f"/api/v1/appeals/{appeal}/review/", {})
    rejected = as_second_official.post(f"/api/v1/appeals/{appeal}/reject/", {"reasons": "The conviction is final."})
    assert rejected.json()["state"] == "rejected" and rejected.json()["score"] == 950
    assert_error(as_official.post(f"/api/v1/events/{event.pk}/appeals/", {"grounds": ""}), 400, "invalid", "grounds")


def test_only_authorised_offices_file_and_only_officials_decide(settings, as_agency, as_official, contested):
    _, event = contested
    assert_error(as_agency("civil_affairs").post(f"/api/v1/events/{event.pk}/appeals/", {"grounds": "x"}),
                 403, "forbidden")
    settings.APPEAL_FILING_AGENCIES = ["civil_affairs"]
    filed = as_agency("civil_affairs").post(f"/api/v1/events/{event.pk}/appeals/", {"grounds": "legal aid"})
    assert filed.status_code == 201 and filed.json()["filed_by"] == "civil_affairs"
    appeal = filed.json()["id"]
    assert as_agency("civil_affairs").get(f"/api/v1/appeals/{appeal}/").status_code == 200
    settings.APPEAL_FILING_AGENCIES = ["civil_affairs", "community"]
    assert_error(as_agency("community").get(f"/api/v1/appeals/{appeal}/"), 404, "not_found")
    assert_error(as_agency("civil_affairs").post(f"/api/v1/appeals/{appeal}/review/", {}), 403, "forbidden")
    assert_error(as_agency("civil_affairs").post(f"/api/v1/events/{event.pk}/appeals/", {"grounds": "again"}),
                 409, "invalid_state")
    assert_error(as_official.get("/api/v1/appeals/999999/"), 404, "not_found")
    assert Appeal.objects.get().state == "filed"


def test_official_corrects_an_event(as_official, as_agency, contested):
    citizen, _ = contested
    response = as_agency("police").post("/api/v1/events/", report_body(citizen, "traffic_violation", key="t1"))
    event = response.json()["event_id"]
    assert_error(as_agency("police").post(f"/api/v1/events/{event}/correct/",
                                          {"attributes": {"severity": "serious"}, "reason": "x"}), 403, "forbidden")
    assert_error(as_official.post(f"/api/v1/events/{event}/correct/",
                                  {"attributes": {"severity": "huge"}, "reason": "x"}),
                 400, "invalid", "attributes.severity")
    corrected = as_official.post(f"/api/v1/events/{event}/correct/",
                                 {"attributes": {"severity": "serious"}, "reason": "Red light."})
    assert corrected.status_code == 201, corrected.content
    body = corrected.json()
    assert body["voided_event_id"] == event and [e["delta"] for e in body["reversals"]] == [5]
    assert [e["rule_id"] for e in body["entries"]] == ["OWN-TRAFFIC-SERIOUS"] and body["score"] == 930
    assert Event.objects.get(pk=body["event_id"]).corrects_id == event
    assert_error(as_official.post(f"/api/v1/events/{event}/correct/",
                                  {"attributes": {"severity": "minor"}, "reason": "again"}), 409, "invalid_state")


def test_statement_json_for_officials_only_and_logged(as_official, as_agency, contested):
    citizen, event = contested
    response = as_official.get(f"/api/v1/citizens/{citizen.resident_id}/statement/")
    assert response.status_code == 200
    body = response.json()
    assert (body["resident_id"], body["score"], body["grade"]) == (citizen.resident_id, 950, "B")
    assert [(line["kind"], line["delta"], line["balance"]) for line in body["lines"]] == [
        ("opening", 1000, 1000), ("rule", -50, 950)]
    assert body["lines"][1]["agency"] and "Legal basis" in body["lines"][1]["text"]
    assert len(body["eligibility"]) == 7 and body["appeals"] == []
    log = AccessLog.objects.get(citizen=citizen, action="statement.read")
    assert (log.actor, log.channel) == ("official", "api")
    assert_error(as_agency("court").get(f"/api/v1/citizens/{citizen.resident_id}/statement/"), 403, "forbidden")
    unknown = resident_id(datetime.date(1990, 1, 1), 99_999, "F")
    assert_error(as_official.get(f"/api/v1/citizens/{unknown}/statement/"), 404, "not_found")
    assert AccessLog.objects.filter(action="statement.read").count() == 1
