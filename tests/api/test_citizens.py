"""GET citizen, ledger (explained, filtered by role, logged) and eligibility."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AccessLog
from points.explain import entry_explanation
from points.models import LedgerEntry
from rules.registry import current_policy
from tests.api.conftest import WHEN, assert_error, report_body


def citizen_url(citizen, tail=""):
    return f"/api/v1/citizens/{citizen.resident_id}/{tail}"


@pytest.fixture
def reported(make_citizen, as_agency):
    """A citizen with a court report and a community report."""
    citizen = make_citizen()
    as_agency("court").post("/api/v1/events/", report_body(citizen))
    as_agency("community").post("/api/v1/events/", report_body(
        citizen, event_type="helping_poor", key="h1", attributes={"media_reported": True},
        occurred_at=WHEN + datetime.timedelta(days=1)))
    citizen.refresh_from_db()
    return citizen


def test_official_reads_standing(reported, as_official):
    body = as_official.get(citizen_url(reported)).json()
    assert body == {"resident_id": reported.resident_id, "status": "active", "enrolled": True,
                    "enrolled_at": body["enrolled_at"], "score": reported.score, "grade": reported.grade,
                    "grade_changed_at": body["grade_changed_at"]}
    assert reported.score == 965 and body["grade_changed_at"] is not None


@pytest.mark.parametrize("code", ["court", "licensing"])
def test_agencies_may_not_read_standing(reported, as_agency, code):
    assert_error(as_agency(code).get(citizen_url(reported)), 403, "forbidden")


def test_standing_errors(as_official, make_citizen):
    assert_error(as_official.get("/api/v1/citizens/123/"), 400, "invalid", "resident_id")
    assert_error(as_official.get("/api/v1/citizens/11010519491231002X/"), 404, "not_found")
    young = make_citizen(enrol=False, birth_date=timezone.localdate() - datetime.timedelta(days=3000))
    body = as_official.get(citizen_url(young)).json()
    assert (body["enrolled"], body["score"], body["grade"]) == (False, None, "")


def test_official_sees_whole_ledger_explained(reported, as_official):
    response = as_official.get(citizen_url(reported, "ledger/"))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    rows = body["results"]
    assert [r["delta"] for r in rows] == [15, -50, 1000], "newest first"
    assert [r["balance_after"] for r in rows] == [965, 950, 1000]
    policy = current_policy()
    bribery = rows[1]
    rule = policy.rules[bribery["rule_id"]]
    entry = LedgerEntry.objects.get(pk=bribery["id"])
    assert bribery["explanation"] == entry_explanation(entry=entry, policy=policy).text
    assert bribery["rule_title"] == rule.title and rule.explanation in bribery["explanation"]
    assert bribery["legal_basis"] == (rule.legal_basis or "") and bribery["rule_in_force"] is True
    assert bribery["event"]["event_type"] == "bribery_conviction" and bribery["event"]["status"] == "applied"
    assert bribery["reporting_agency"]["code"] == "court"
    assert bribery["policy_version"] == policy.version and bribery["date"]
    assert rows[2]["kind"] == "opening" and rows[2]["reporting_agency"]["code"] == "register"


def test_reporting_agency_sees_only_what_its_reports_caused(reported, as_agency):
    rows = as_agency("court").get(citizen_url(reported, "ledger/")).json()["results"]
    assert [(r["reporting_agency"]["code"], r["delta"]) for r in rows] == [("court", -50)]
    assert "balance_after" not in rows[0]
    # The police never reported on this person: to them the person is as unknown as an invented ID.
    assert_error(as_agency("police").get(citizen_url(reported, "ledger/")), 404, "not_found")


def test_retraction_shows_in_the_agency_ledger(reported, as_agency):
    event_id = as_agency("court").get(citizen_url(reported, "ledger/")).json()["results"][0]["event"]["id"]
    as_agency("court").post(f"/api/v1/events/{event_id}/retract/", {"reason": "wrong person"})
    rows = as_agency("court").get(citizen_url(reported, "ledger/")).json()["results"]
    assert [(r["kind"], r["delta"], r["event"]["status"]) for r in rows] == [
        ("reversal", 50, "retracted"), ("rule", -50, "retracted")]
    assert "wrong person" in rows[0]["explanation"] and rows[0]["reverses"] == rows[1]["id"]


def test_removed_rule_falls_back_to_stored_title(reported):
    entry = LedgerEntry.objects.filter(citizen=reported, kind="rule").order_by("id").first()
    class Empty:
        rules = {}

    explained = entry_explanation(entry=entry, policy=Empty())
    assert (explained.title, explained.rule_in_force, explained.legal_basis) == (entry.rule_title, False, "")


def test_service_agency_may_not_read_ledgers(reported, as_agency):
    assert_error(as_agency("licensing").get(citizen_url(reported, "ledger/")), 403, "forbidden")
    assert not AccessLog.objects.exists()


def test_every_ledger_read_is_logged(reported, as_agency, as_official):
    as_official.get(citizen_url(reported, "ledger/"))
    as_agency("court").get(citizen_url(reported, "ledger/") + "?page_size=1")
    logs = list(AccessLog.objects.order_by("id"))
    assert [(log.actor, log.actor_kind, log.citizen_id, log.action, log.channel) for log in logs] == [
        ("official", "user", reported.pk, "ledger.read", "api"), ("court", "agency", reported.pk, "ledger.read", "api")]
    assert logs[1].path.endswith("ledger/?page_size=1") and logs[0].at <= logs[1].at


def test_ledger_pagination(reported, as_official):
    first = as_official.get(citizen_url(reported, "ledger/") + "?page_size=2").json()
    assert first["count"] == 3 and len(first["results"]) == 2 and first["next"]
    second = as_official.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    assert_error(as_official.get(citizen_url(reported, "ledger/") + "?page=99"), 404, "not_found")
    for bad in ("page=x", "page=0", "page=", "page_size=0", "page_size=501", "page_size=1.5", "page=%C2%B2"):
        field = bad.split("=")[0]
        assert_error(as_official.get(citizen_url(reported, "ledger/") + "?" + bad), 400, "invalid", field)


def test_ledger_of_unknown_citizen(as_official, db):
    assert_error(as_official.get("/api/v1/citizens/11010519491231002X/ledger/"), 404, "not_found")
    assert_error(as_official.get("/api/v1/citizens/bad/ledger/"), 400, "invalid", "resident_id")


def test_eligibility_for_one_service(reported, as_agency):
    service = "business_licence"  # one of the licensing office's services (points/demo.py)
    response = as_agency("licensing").get(citizen_url(reported, f"eligibility/?service={service}"))
    assert response.status_code == 200
    (decision,) = response.json()["decisions"]
    effect = current_policy().services[service].effects[reported.grade]
    assert decision["service"] == service and decision["decision"] == effect.decision
    assert effect.note in decision["reason"]
    # disclose_score is off for it: no grade, no score, and the reason names neither.
    assert (decision["grade"], decision["score"]) == (None, None)
    assert f"Grade {reported.grade}" not in decision["reason"] and str(reported.score) not in decision["reason"]


def test_eligibility_for_all_services(reported, as_official):
    body = as_official.get(citizen_url(reported, "eligibility/")).json()
    assert [d["service"] for d in body["decisions"]] == list(current_policy().services)


def test_eligibility_errors(make_citizen, as_agency, as_official):
    client = as_agency("licensing")
    citizen = make_citizen()
    assert_error(client.get(citizen_url(citizen, "eligibility/?service=space_travel")), 403, "forbidden", "service")
    assert_error(as_official.get(citizen_url(citizen, "eligibility/?service=space_travel")), 404, "not_found",
                 "service")
    assert_error(client.get("/api/v1/citizens/11010519491231002X/eligibility/"), 404, "not_found")
    young = make_citizen(enrol=False, birth_date=timezone.localdate() - datetime.timedelta(days=3000))
    assert_error(client.get(citizen_url(young, "eligibility/")), 422, "not_enrolled")


@pytest.mark.parametrize("since", [None, datetime.date(2025, 4, 1)])
def test_eligibility_renders_exactly_like_its_serializer(reported, since):
    from api.serializers import EligibilitySerializer, eligibility_dict
    from points.selectors import eligibility_all

    decisions = eligibility_all(citizen=reported, under_appeal_since=since)
    expected = EligibilitySerializer({"resident_id": reported.resident_id, "decisions": decisions}).data
    assert eligibility_dict(reported.resident_id, decisions) == expected


def test_eligibility_follows_each_citizens_appeals_request_by_request(reported, make_citizen, as_agency):
    from appeals.services import appeal_file
    from points.models import Event

    client, other = as_agency("licensing"), make_citizen()
    url = "eligibility/?service=business_licence"
    assert client.get(citizen_url(reported, url)).json()["decisions"][0]["under_appeal_since"] is None
    appeal_file(event=Event.objects.get(citizen=reported, agency__code="court"), grounds="not me", by="clerk",
                now=WHEN + datetime.timedelta(days=3))
    assert client.get(citizen_url(reported, url)).json()["decisions"][0]["under_appeal_since"] == "2025-03-04"
    assert client.get(citizen_url(other, url)).json()["decisions"][0]["under_appeal_since"] is None
    assert client.get(citizen_url(reported, "eligibility/")).json()["decisions"][0]["under_appeal_since"]


def test_eligibility_is_one_read_and_its_access_log_row(reported, as_agency):
    """Performance: the agency remembered (only the agencies' generation is read to check it), the
    citizen and their oldest open appeal in one read (docs/performance.md, "API"), and the answer's
    access-log row."""
    client = as_agency("licensing")
    url = citizen_url(reported, "eligibility/?service=business_licence")
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert len(queries) == 3 and "points_agencygeneration" in queries[0]["sql"]
    assert "INSERT" in queries[2]["sql"] and "audit_accesslog" in queries[2]["sql"]


def test_reporting_agency_may_not_ask_eligibility(reported, as_agency):
    body = assert_error(as_agency("court").get(citizen_url(reported, "eligibility/")), 403, "forbidden")
    assert "eligibility" in body["message"]
