"""POST /api/v1/events/: one report, idempotency, and every input error the issue names."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from citizens.models import Citizen
from notices.models import Notice
from points.explain import entry_explanation
from points.models import Event, LedgerEntry
from rules.registry import current_policy
from tests.api.conftest import assert_error, report_body

URL = "/api/v1/events/"


def events_of(citizen):
    return Event.objects.filter(citizen=citizen).exclude(event_type="enrolment").count()


def test_report_returns_event_and_entries_not_the_standing(make_citizen, as_agency):
    citizen = make_citizen()
    response = as_agency("court").post(URL, report_body(citizen))
    assert response.status_code == 201, response.content
    body = response.json()
    event = Event.objects.get(pk=body["event_id"])
    entry = LedgerEntry.objects.get(event=event)
    assert body["replayed"] is False and body["status"] == "applied"
    assert body["entries"] == [{"id": entry.pk, "rule_id": entry.rule_id, "rule_title": entry.rule_title,
                                "kind": "rule", "delta": -50,
                                "explanation": entry_explanation(entry=entry, policy=current_policy()).text,
                                "expires_on": entry.expires_on and entry.expires_on.isoformat()}]
    # The citizen's score (950) and grade (B) are not the reporter's business (OWASP API3).
    assert set(body) == {"event_id", "status", "replayed", "policy_version", "entries"}
    assert Citizen.objects.get(pk=citizen.pk).score == 950
    assert body["policy_version"] == event.policy_version and event.agency.code == "court"


def test_same_key_and_body_replays_the_original(make_citizen, as_agency):
    citizen = make_citizen()
    client = as_agency("court")
    first = client.post(URL, report_body(citizen)).json()
    again = client.post(URL, report_body(citizen))
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    body = again.json()
    assert body["replayed"] is True
    assert (body["event_id"], body["entries"]) == (first["event_id"], first["entries"])
    assert Citizen.objects.get(pk=citizen.pk).score == 950 and events_of(citizen) == 1


def test_key_in_header_is_the_same_key(make_citizen, as_agency):
    citizen = make_citizen()
    client = as_agency("court")
    body = report_body(citizen)
    del body["idempotency_key"]
    first = client.post(URL, body, HTTP_IDEMPOTENCY_KEY="hdr-1")
    again = client.post(URL, {**body, "idempotency_key": "hdr-1"})
    assert first.status_code == 201 and again.json()["replayed"] is True
    assert again.json()["event_id"] == first.json()["event_id"]


def test_same_key_other_body_is_409(make_citizen, as_agency):
    citizen = make_citizen()
    client = as_agency("court")
    client.post(URL, report_body(citizen))
    response = client.post(URL, report_body(citizen, event_type="drunk_driving_conviction"))
    assert_error(response, 409, "idempotency_conflict")
    assert Citizen.objects.get(pk=citizen.pk).score == 950 and events_of(citizen) == 1


@pytest.mark.parametrize("resident_id", ["12345", "110105194912310021", "11010519491231002X"])
def test_key_reused_for_a_report_naming_nobody_is_409(make_citizen, as_agency, resident_id):
    """A used key answers before the new body is checked: malformed or unknown resident IDs included."""
    citizen = make_citizen()
    client = as_agency("court")
    client.post(URL, report_body(citizen))
    response = client.post(URL, {**report_body(citizen), "resident_id": resident_id})
    assert_error(response, 409, "idempotency_conflict")


def test_resend_is_replayed_even_when_the_report_would_now_be_refused(make_citizen, as_agency):
    citizen = make_citizen()
    client = as_agency("court")
    first = client.post(URL, report_body(citizen)).json()
    Citizen.objects.filter(pk=citizen.pk).update(status="moved_away")
    again = client.post(URL, report_body(citizen))
    assert again.status_code == 201, again.content
    assert again.json()["replayed"] is True and again.json()["event_id"] == first["event_id"]
    assert_error(client.post(URL, report_body(citizen, key="k2")), 422, "not_enrolled")


def test_a_single_report_reads_the_citizen_once_and_looks_for_its_key_once(make_citizen, as_agency):
    """Performance: a batch of one takes the bulk path's statements, one of each; on PostgreSQL the key
    is looked up in the statement that locks the citizen (docs/performance.md, "API")."""
    citizen = make_citizen()
    client = as_agency("court")
    assert client.post(URL, report_body(citizen, key="warm")).status_code == 201  # policy version recorded
    with CaptureQueriesContext(connection) as queries:
        assert client.post(URL, report_body(citizen)).status_code == 201
    reads = [q["sql"] for q in queries if q["sql"].lstrip().startswith("SELECT")]
    citizen_reads = [sql for sql in reads if '"citizens_citizen"' in sql]
    key_reads = [sql for sql in reads if 'FROM "points_event"' in sql and "idempotency_key" in sql]
    assert len(citizen_reads) == 1 and len(key_reads) == 1
    if connection.vendor == "postgresql":
        assert citizen_reads == key_reads


def test_a_single_report_writes_in_one_round_trip_after_its_event(make_citizen, as_agency):
    """Performance: the entries, the notice and the standing go to PostgreSQL in one message
    (``points.db.bulk.together``); elsewhere one statement each."""
    citizen = make_citizen()
    client = as_agency("court")
    assert client.post(URL, report_body(citizen, key="warm")).status_code == 201
    with CaptureQueriesContext(connection) as queries:
        assert client.post(URL, report_body(citizen)).status_code == 201
    writes = [q["sql"] for q in queries if q["sql"].lstrip().startswith(("INSERT", "UPDATE"))]
    if connection.vendor == "postgresql":
        assert len(writes) == 2 and writes[0].startswith('INSERT INTO "points_event"')
        assert all(table in writes[1] for table in ('"points_ledgerentry"', '"notices_notice"', '"citizens_citizen"'))
    else:
        assert len(writes) == 3  # event, entry, notice (the standing's executemany is logged as "1 times: ...")
    stored = LedgerEntry.objects.filter(citizen=citizen).order_by("id").last()
    assert Citizen.objects.get(pk=citizen.pk).ledger_head == stored.hash
    assert Notice.objects.filter(event_id=stored.event_id).count() == 1


@pytest.mark.parametrize("change, field", [
    ({"event_type": "jaywalking_at_night"}, "event_type"),
    ({"occurred_at": (timezone.now() + datetime.timedelta(days=2)).isoformat()}, "occurred_at"),
    ({"occurred_at": "2023-01-01T00:00:00+08:00"}, "occurred_at"),  # before enrolment
    ({"occurred_at": "2025-03-01T10:00:00"}, "occurred_at"),  # no time zone
    ({"occurred_at": "yesterday"}, "occurred_at"),
    ({"occurred_at": 1700000000}, "occurred_at"),
    ({"resident_id": "110105194912310021"}, "resident_id"),  # wrong check character
    ({"resident_id": "12345"}, "resident_id"),
    ({"resident_id": ["not", "a", "string"]}, "resident_id"),
    ({"attributes": "media_reported"}, "attributes"),
    ({"attributes": {"k" * 10000: 1}}, "attributes"),
    ({"attributes": {"media_reported": "nul\u0000byte"}}, "attributes"),
    ({"idempotency_key": ""}, "idempotency_key"),
    ({"idempotency_key": "x" * 129}, "idempotency_key"),
    ({"idempotency_key": None}, "idempotency_key"),
    ({"idempotency_key": "nul\u0000"}, "idempotency_key"),
])
def test_bad_input_is_400_naming_the_field_and_writes_nothing(make_citizen, as_agency, change, field):
    citizen = make_citizen()
    body = {**report_body(citizen), **change}
    assert_error(as_agency("court").post(URL, body), 400, "invalid", field)
    assert events_of(citizen) == 0 and Citizen.objects.get(pk=citizen.pk).score == 1000


@pytest.mark.parametrize("event_type, attributes, field", [
    ("bribery_conviction", {}, "attributes.case_number"),  # missing
    ("bribery_conviction", {"case_number": 17}, "attributes.case_number"),  # mistyped
    ("bribery_conviction", {"case_number": "1", "colour": "red"}, "attributes.colour"),  # unknown
])
def test_missing_mistyped_or_unknown_attribute_is_400(make_citizen, as_agency, event_type, attributes, field):
    citizen = make_citizen()
    body = report_body(citizen, event_type=event_type, attributes=attributes)
    assert_error(as_agency("court").post(URL, body), 400, "invalid", field)
    assert events_of(citizen) == 0


def test_missing_fields_are_all_named(as_agency, db):
    body = assert_error(as_agency("court").post(URL, {}), 400, "invalid")
    assert {"resident_id", "event_type", "occurred_at"} <= set(body["field_errors"])


def test_header_and_field_keys_must_agree(make_citizen, as_agency):
    citizen = make_citizen()
    response = as_agency("court").post(URL, report_body(citizen), HTTP_IDEMPOTENCY_KEY="other")
    assert_error(response, 400, "invalid", "idempotency_key")


def test_unknown_citizen_is_404(as_agency, db):
    body = {**report_body(Citizen(resident_id="11010519491231002X"))}
    assert_error(as_agency("court").post(URL, body), 404, "not_found")


def test_citizen_not_enrolled_is_422(make_citizen, as_agency):
    young = make_citizen(birth_date=timezone.localdate() - datetime.timedelta(days=13 * 365), enrol=False)
    assert_error(as_agency("court").post(URL, report_body(young)), 422, "not_enrolled")
    dead = make_citizen()
    Citizen.objects.filter(pk=dead.pk).update(status="deceased")
    assert_error(as_agency("court").post(URL, report_body(dead, key="k2")), 422, "not_enrolled")


def test_agency_may_report_only_its_own_event_types(make_citizen, as_agency):
    citizen = make_citizen()
    body = assert_error(as_agency("community").post(URL, report_body(citizen)), 403, "forbidden")
    assert "bribery_conviction" in body["message"]
    assert events_of(citizen) == 0


def test_system_event_type_is_refused(make_citizen, as_agency):
    citizen = make_citizen()
    body = report_body(citizen, event_type="official_adjustment", attributes={"points": 10, "reason": "x"})
    assert_error(as_agency("court").post(URL, body), 403, "forbidden")


def test_service_agency_and_official_may_not_report(make_citizen, as_agency, as_official):
    citizen = make_citizen()
    body = assert_error(as_agency("licensing").post(URL, report_body(citizen)), 403, "forbidden")
    assert "eligibility" in body["message"]
    assert_error(as_official.post(URL, report_body(citizen)), 403, "forbidden")
    assert events_of(citizen) == 0


@pytest.mark.parametrize("raw, content_type, status, code", [
    (b'{"resident_id": ', "application/json", 400, "malformed_request"),
    (b"[1, 2, 3]", "application/json", 400, "invalid"),
    (b'"just a string"', "application/json", 400, "invalid"),
    (b"null", "application/json", 400, "invalid"),
    (b'{"occurred_at": NaN}', "application/json", 400, "malformed_request"),
    (b"\xff\xfe garbage", "application/json", 400, "malformed_request"),
    (b"resident_id=1", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    (b"<xml/>", "text/xml", 415, "unsupported_media_type"),
])
def test_unparseable_bodies_get_the_error_shape(as_agency, db, raw, content_type, status, code):
    response = as_agency("court").generic("POST", URL, raw, content_type=content_type)
    assert_error(response, status, code)


def test_get_is_not_allowed(as_agency, db):
    assert_error(as_agency("court").get(URL), 405, "method_not_allowed")


def test_oversized_body_is_413_before_parsing(as_agency, db, settings):
    settings.API_MAX_BODY_BYTES = 1000
    body = '{"attributes": {"x": "' + "y" * 2000 + '"}}'
    response = as_agency("court").generic("POST", URL, body, content_type="application/json")
    assert_error(response, 413, "request_too_large")


def _count_explanations(monkeypatch) -> list:
    from points import explain

    made, original = [], explain._explain
    monkeypatch.setattr(explain, "_explain", lambda entry, policy: made.append(entry) or original(entry, policy))
    return made


def test_a_report_words_each_new_entry_once_for_its_notice_and_its_answer(make_citizen, as_agency, monkeypatch):
    """Performance: within the request the notice's explanation is the answer's (``explanations_shared``)."""
    citizens = [make_citizen(), make_citizen()]
    client = as_agency("court")
    made = _count_explanations(monkeypatch)
    single = client.post(URL, report_body(citizens[0]))
    assert single.status_code == 201 and len(made) == len(single.json()["entries"]) == 1
    assert Notice.objects.get(event_id=single.json()["event_id"]).body.count(single.json()["entries"][0]["explanation"])
    made.clear()
    items = [report_body(person, key=f"b{n}") for n, person in enumerate(citizens)]
    batch = client.post(f"{URL}batch/", {"items": items}, format="json")
    assert batch.status_code == 200 and [r["outcome"] for r in batch.json()["results"]] == ["applied", "applied"]
    assert len(made) == 2


def test_a_notice_in_the_citizens_language_is_not_the_answer_in_the_callers(make_citizen, as_agency):
    """Shared words are shared only in one language: a Chinese reader's notice, an English caller's answer."""
    citizen = make_citizen(preferred_language="zh-hans", email="wang@example.cn", contact_consent=True,
                           contact_consent_at=timezone.now())
    response = as_agency("court").post(URL, report_body(citizen), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 201, response.content
    entry = LedgerEntry.objects.get(event_id=response.json()["event_id"])
    english = entry_explanation(entry=entry, policy=current_policy(), language="en").text
    chinese = entry_explanation(entry=entry, policy=current_policy(), language="zh-hans").text
    assert english != chinese
    assert response.json()["entries"][0]["explanation"] == english
    body = Notice.objects.get(event_id=entry.event_id).body
    assert chinese in body and english not in body
