"""POST /api/v1/events/batch/: each item on its own, results in order, the 1,000 limit."""
import datetime

import pytest

from citizens.models import Citizen
from points.models import Event, LedgerEntry
from tests.api.conftest import WHEN, assert_error, report_body

URL = "/api/v1/events/batch/"


def test_each_item_applied_or_rejected_on_its_own_in_order(make_citizen, as_agency):
    alice, bob = make_citizen(), make_citizen()
    young = make_citizen(enrol=False, birth_date=datetime.date.today() - datetime.timedelta(days=3000))
    items = [
        report_body(alice, key="a1"),
        report_body(bob, key="b1", occurred_at=WHEN + datetime.timedelta(hours=1)),
        report_body(alice, key="bad", event_type="nope"),
        "not an object",
        report_body(young, key="y1"),
        report_body(alice, key="a1"),  # the same report again: replayed
        {**report_body(bob, key="nokey"), "idempotency_key": None},
        report_body(Citizen(resident_id="11010519491231002X"), key="ghost"),
        report_body(alice, key="a1", event_type="drunk_driving_conviction"),  # key reuse, other content
    ]
    response = as_agency("court").post(URL, {"items": items})
    assert response.status_code == 200, response.content
    body = response.json()
    assert [r["index"] for r in body["results"]] == list(range(len(items)))
    assert [r["outcome"] for r in body["results"]] == [
        "applied", "applied", "rejected", "rejected", "rejected", "replayed", "rejected", "rejected", "rejected"]
    assert [r["http_status"] for r in body["results"]] == [201, 201, 400, 400, 422, 201, 400, 404, 409]
    assert (body["total"], body["applied"], body["replayed"], body["rejected"]) == (9, 2, 1, 6)
    assert body["results"][2]["error"]["field_errors"].keys() == {"event_type"}
    assert "idempotency_key" in body["results"][6]["error"]["field_errors"]
    assert body["results"][5]["result"]["event_id"] == body["results"][0]["result"]["event_id"]
    assert Citizen.objects.get(pk=alice.pk).score == 950 and Citizen.objects.get(pk=bob.pk).score == 950
    assert Event.objects.filter(agency__code="court").count() == 2


def test_retrying_a_batch_counts_nothing_twice(make_citizen, as_agency):
    citizen = make_citizen()
    items = [report_body(citizen, key=f"r{n}", occurred_at=WHEN + datetime.timedelta(days=n),
                         event_type="drunk_driving_conviction") for n in range(3)]
    client = as_agency("court")
    first = client.post(URL, {"items": items}).json()
    again = client.post(URL, {"items": items}).json()
    assert first["applied"] == 3 and again["replayed"] == 3 and again["applied"] == 0
    assert Citizen.objects.get(pk=citizen.pk).score == 850


def test_more_than_1000_items_is_413_and_writes_nothing(make_citizen, as_agency):
    citizen = make_citizen()
    items = [report_body(citizen, key=f"k{n}") for n in range(1001)]
    body = assert_error(as_agency("court").post(URL, {"items": items}), 413, "batch_too_large", "items")
    assert "1000" in body["message"] or "1,000" in body["message"]
    assert not Event.objects.filter(agency__code="court").exists()


def test_exactly_1000_items_are_accepted(make_citizen, as_agency):
    citizen = make_citizen()
    items = [report_body(citizen, key=f"k{n}", event_type="nope") for n in range(1000)]
    body = as_agency("court").post(URL, {"items": items}).json()
    assert body["total"] == 1000 and body["rejected"] == 1000


def test_envelope_errors_are_400(as_agency, db):
    client = as_agency("court")
    assert_error(client.post(URL, {}), 400, "invalid", "items")
    assert_error(client.post(URL, {"items": []}), 400, "invalid", "items")
    assert_error(client.post(URL, {"items": {"a": 1}}), 400, "invalid", "items")
    assert_error(client.post(URL, [1, 2]), 400, "invalid")


def test_only_reporting_agencies_send_batches(as_agency, as_official, db):
    assert_error(as_agency("licensing").post(URL, {"items": [{}]}), 403, "forbidden")
    assert_error(as_official.post(URL, {"items": [{}]}), 403, "forbidden")


SEQUENCES = {
    "court": [("bribery_conviction", None), ("drunk_driving_conviction", None), ("unpaid_court_judgment", None),
              ("unpaid_court_judgment", None), ("bribery_conviction", None)],
    # volunteering counts at most 4 times a year: the cap must hold inside one batch too
    "community": [("volunteering", {"hours": 8})] * 6 + [("helping_poor", {"media_reported": True})],
}


def _ledger(citizen):
    entries = LedgerEntry.objects.filter(citizen=citizen).order_by("id")
    return list(entries.values_list("rule_id", "delta", "balance_after"))


@pytest.mark.parametrize("agency", sorted(SEQUENCES))
def test_batch_gives_the_same_ledger_as_single_reports(make_citizen, as_agency, agency):
    one, other = make_citizen(), make_citizen()
    client, sequence = as_agency(agency), SEQUENCES[agency]

    def body(citizen, n, event_type, attributes, prefix):
        extra = {"attributes": attributes} if attributes is not None else {}
        return report_body(citizen, event_type=event_type, key=f"{prefix}{n}",
                           occurred_at=WHEN + datetime.timedelta(days=n), **extra)

    for n, (event_type, attributes) in enumerate(sequence):
        assert client.post("/api/v1/events/", body(one, n, event_type, attributes, "s")).status_code == 201
    items = [body(other, n, event_type, attributes, "b") for n, (event_type, attributes) in enumerate(sequence)]
    body = client.post(URL, {"items": items}).json()
    assert body["applied"] == len(sequence)
    assert _ledger(one)[1:] == _ledger(other)[1:] and len(_ledger(one)) > 3
    one.refresh_from_db()
    other.refresh_from_db()
    assert (one.score, one.grade) == (other.score, other.grade)
    assert not {"score", "grade"} & set(body["results"][-1]["result"])  # the standing is not the reporter's business


def test_when_the_joint_write_fails_each_item_is_applied_on_its_own(make_citizen, as_agency, monkeypatch):
    from django.db import IntegrityError

    from points import writer

    write_reports = writer.write_reports

    def collide(reports, *args, **kwargs):
        if len(reports) > 1:  # the joint write fails; each report alone goes through
            raise IntegrityError("duplicate key value violates unique constraint")
        return write_reports(reports, *args, **kwargs)

    monkeypatch.setattr(writer, "write_reports", collide)
    citizen = make_citizen()
    items = [report_body(citizen, key="x1"), report_body(citizen, key="x2", event_type="nope"),
             report_body(citizen, key="x3", event_type="drunk_driving_conviction")]
    body = as_agency("court").post(URL, {"items": items}).json()
    assert [r["outcome"] for r in body["results"]] == ["applied", "rejected", "applied"]
    assert Citizen.objects.get(pk=citizen.pk).score == 900


def test_batch_results_render_exactly_like_single_results(make_citizen, agencies):
    from api.serializers import ReportResultSerializer, report_result_dict
    from points.services import event_report

    citizen = make_citizen()
    body = report_body(citizen)
    result = event_report(agency=agencies["court"], resident_id=citizen.resident_id, event_type=body["event_type"],
                          occurred_at=WHEN, attributes=body["attributes"], idempotency_key="render")
    assert result.entries and result.entries[0].expires_on is not None
    assert report_result_dict(result) == dict(ReportResultSerializer(result).data)
