"""Data minimisation (OWASP API3): each caller gets what its task needs and nothing it could use to
learn a person's standing or to probe the register (docs/api.md, "What each caller sees")."""
import datetime

import pytest
from django.core.management import CommandError, call_command
from drf_spectacular.generators import SchemaGenerator

from points.agencies import agency_set_services
from points.models import Agency
from rules import registry
from rules.loader import policy_from_files
from tests.api.conftest import WHEN, assert_error, report_body
from tests.rules.conftest import shipped_files

STANDING_KEYS = {"score", "grade", "balance_after", "balance"}
UNREGISTERED = "11010519491231002X"  # a well-formed resident ID nobody in the tests holds


def keys_anywhere(value) -> set:
    """Every key of every object nested in a JSON value."""
    if isinstance(value, dict):
        return set(value).union(*(keys_anywhere(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(keys_anywhere(v) for v in value)) if value else set()
    return set()


def test_report_and_replay_carry_the_entries_not_the_standing(make_citizen, as_agency):
    citizen, client = make_citizen(), as_agency("court")
    first = client.post("/api/v1/events/", report_body(citizen))
    replay = client.post("/api/v1/events/", report_body(citizen))
    assert (first.status_code, replay.status_code) == (201, 201)
    for body in (first.json(), replay.json()):
        assert not keys_anywhere(body) & STANDING_KEYS, body
        assert [(e["rule_id"], e["delta"]) for e in body["entries"]] == [("SN-BRIBERY", -50)]
        assert body["entries"][0]["explanation"]
    assert (first.json()["replayed"], replay.json()["replayed"]) == (False, True)
    assert first.json()["entries"] == replay.json()["entries"]


def test_batch_and_its_replay_carry_no_standing(make_citizen, as_agency):
    citizen, client = make_citizen(), as_agency("court")
    items = [report_body(citizen, key="b1"), report_body(citizen, key="b2", occurred_at=WHEN + datetime.timedelta(1))]
    for _ in range(2):  # the second time every item is a replay
        body = client.post("/api/v1/events/batch/", {"items": items}).json()
        assert not keys_anywhere(body) & STANDING_KEYS, body
    assert body["replayed"] == 2 and all(r["result"]["entries"] for r in body["results"])


def test_retract_answer_carries_no_standing(make_citizen, as_agency):
    citizen, client = make_citizen(), as_agency("court")
    event_id = client.post("/api/v1/events/", report_body(citizen)).json()["event_id"]
    body = client.post(f"/api/v1/events/{event_id}/retract/", {"reason": "wrong person"}).json()
    assert not keys_anywhere(body) & STANDING_KEYS, body
    assert [(r["kind"], r["delta"]) for r in body["reversals"]] == [("reversal", 50)]


def test_agency_ledger_has_no_balances_official_ledger_has(make_citizen, as_agency, as_official):
    citizen = make_citizen()
    as_agency("court").post("/api/v1/events/", report_body(citizen))
    url = f"/api/v1/citizens/{citizen.resident_id}/ledger/"
    agency_rows = as_agency("court").get(url).json()["results"]
    official_rows = as_official.get(url).json()["results"]
    assert len(agency_rows) == 1 and not keys_anywhere(agency_rows) & STANDING_KEYS
    assert [r["balance_after"] for r in official_rows] == [950, 1000]


def _same_answer(first, second, first_id, second_id) -> None:
    assert first.status_code == second.status_code == 404
    assert first.json() == {**second.json(), "message": second.json()["message"].replace(second_id, first_id)}


def test_unknown_and_not_yours_look_the_same_on_the_ledger(make_citizen, as_agency):
    stranger, client = make_citizen(), as_agency("police")
    as_agency("court").post("/api/v1/events/", report_body(stranger))  # the court has business; the police not
    not_yours = client.get(f"/api/v1/citizens/{stranger.resident_id}/ledger/")
    unknown = client.get(f"/api/v1/citizens/{UNREGISTERED}/ledger/")
    _same_answer(not_yours, unknown, stranger.resident_id, UNREGISTERED)
    assert "that you have reported on" in unknown.json()["message"]


def test_another_agencys_event_and_a_missing_one_look_the_same(make_citizen, as_agency):
    event_id = as_agency("court").post("/api/v1/events/", report_body(make_citizen())).json()["event_id"]
    police = as_agency("police")
    theirs = police.post(f"/api/v1/events/{event_id}/retract/", {"reason": "probe"})
    missing = police.post(f"/api/v1/events/{event_id + 999}/retract/", {"reason": "probe"})
    _same_answer(theirs, missing, str(event_id), str(event_id + 999))


# --- service agencies bound to their services ------------------------------------


def test_service_agency_may_ask_only_about_its_services(make_citizen, as_agency, agencies):
    from audit.models import AccessLog

    citizen, client = make_citizen(), as_agency("licensing")
    assert agencies["licensing"].services == ["business_licence", "construction_permit"]
    url = f"/api/v1/citizens/{citizen.resident_id}/eligibility/"
    assert_error(client.get(url + "?service=school_admission"), 403, "forbidden", "service")
    assert not AccessLog.objects.exists(), "refused before the person is read"
    decisions = client.get(url).json()["decisions"]
    assert [d["service"] for d in decisions] == ["business_licence", "construction_permit"]
    assert all(d["grade"] is None and d["score"] is None and "1000" not in d["reason"] for d in decisions)


def test_service_agency_with_no_service_is_refused(make_citizen, as_agency, agencies):
    agency_set_services(agency=agencies["licensing"], services=[])
    assert_error(as_agency("licensing").get(f"/api/v1/citizens/{make_citizen().resident_id}/eligibility/"),
                 403, "forbidden")


@pytest.fixture
def disclosing_policy():
    """The shipped policy with disclose_score: true on business_licence only."""
    files = shipped_files()
    files["services.yaml"] = files["services.yaml"].replace(
        "  business_licence:\n", "  business_licence:\n    disclose_score: true\n")
    registry.install_policy(policy_from_files(files))
    yield registry.current_policy()
    registry.reset()


def test_disclose_score_is_a_per_service_policy_choice(make_citizen, as_agency, as_official, disclosing_policy):
    assert disclosing_policy.services["business_licence"].disclose_score is True
    citizen = make_citizen()
    url = f"/api/v1/citizens/{citizen.resident_id}/eligibility/"
    licence, permit = as_agency("licensing").get(url).json()["decisions"]
    assert (licence["grade"], licence["score"]) == ("A", 1000) and "1000 points" in licence["reason"]
    assert (permit["grade"], permit["score"]) == (None, None)
    official = as_official.get(url + "?service=construction_permit").json()["decisions"][0]
    assert (official["grade"], official["score"]) == ("A", 1000), "officials always see the standing"


def test_agency_services_are_checked_against_the_policy(agencies):
    from core.exceptions import ValidationFailed

    with pytest.raises(ValidationFailed) as info:
        agency_set_services(agency=agencies["licensing"], services=["moon_landing"])
    assert "moon_landing" in info.value.field_errors["services"][0]
    with pytest.raises(ValidationFailed):
        agency_set_services(agency=agencies["police"], services=["business_licence"])
    assert Agency.objects.get(code="licensing").services == ["business_licence", "construction_permit"]


def test_create_agency_command_takes_services(agencies, capsys):
    call_command("create_agency", "school", "--name", "Suicheng Middle School", "--kind", "service",
                 "--services", "school_admission")
    assert Agency.objects.get(code="school").services == ["school_admission"]
    with pytest.raises(CommandError, match="space_travel"):
        call_command("create_agency", "school2", "--name", "School", "--kind", "service", "--services", "space_travel")
    assert not Agency.objects.filter(code="school2").exists()


def test_the_agency_memo_sees_new_services_at_once(make_citizen, as_agency, agencies):
    client, citizen = as_agency("licensing"), make_citizen()
    url = f"/api/v1/citizens/{citizen.resident_id}/eligibility/?service=school_admission"
    assert client.get(url).status_code == 403
    agency_set_services(agency=agencies["licensing"], services=["school_admission"])
    assert client.get(url).status_code == 200


# --- the documented shape ---------------------------------------------------------


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _resolve(components: dict, node: dict) -> dict:
    return components[node["$ref"].rsplit("/", 1)[1]] if "$ref" in node else node


def test_openapi_documents_the_minimised_shapes(schema):
    components = schema["components"]["schemas"]
    for name in ("ReportResult", "RetractResult", "Entry", "AgencyLedgerEntry"):
        assert not set(components[name]["properties"]) & STANDING_KEYS, name
    assert "explanation" in components["Entry"]["properties"]
    assert "balance_after" in components["LedgerEntryExplained"]["properties"]
    ledger = schema["paths"]["/api/v1/citizens/{resident_id}/ledger/"]["get"]["responses"]["200"]
    page = _resolve(components, ledger["content"]["application/json"]["schema"])
    items = _resolve(components, page["properties"]["results"]["items"])
    assert {ref["$ref"].rsplit("/", 1)[1] for ref in items["oneOf"]} == {"LedgerEntryExplained", "AgencyLedgerEntry"}
    decision = components["Decision"]["properties"]
    assert decision["score"].get("nullable") and decision["grade"].get("nullable")
    assert "403" in schema["paths"]["/api/v1/citizens/{resident_id}/eligibility/"]["get"]["responses"]
