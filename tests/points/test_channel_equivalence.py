"""One table of good and bad reports through every channel: identical outcomes, errors and ledgers.

Channels: the API's single report (``POST /api/v1/events/``), its batch (``POST /api/v1/events/batch/``,
the whole case in one call), the file ingest (``manage.py ingest_events``, the whole case in one file)
and the service the admin's adjustments and corrections call (``points.services.event_report``). Each
channel gets citizens of its own and keys of one length with a channel tag, so all run in one database
and every case compares them directly, and with the outcomes the table expects.
"""
import datetime
import json

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from citizens.models import Citizen
from core.exceptions import ApplicationError
from points.agencies import agency_rotate_token
from points.models import Event
from points.services import event_report

WHEN = "2025-03-01T10:00:00+08:00"
CHANNELS = ("api", "batch", "file", "service")
MINOR = {"severity": "minor"}


def send(key="k1", *, agency="police", who="a", event_type="traffic_violation", occurred_at=WHEN, attributes=None):
    return {"agency": agency, "who": who, "event_type": event_type, "occurred_at": occurred_at,
            "attributes": MINOR if attributes is None else attributes, "key": key}


APPLIED, REPLAYED = ("applied", None, (), None), ("replayed", None, (), None)


def rejected(code, *fields, conflict_with=None):
    return ("rejected", code, tuple(sorted(fields)), conflict_with)


CASES = {
    "good report": ([send()], [APPLIED]),
    "replay": ([send(), send()], [APPLIED, REPLAYED]),
    "conflicting replay names the event": (
        [send(), send(attributes={"severity": "serious"})],
        [APPLIED, rejected("idempotency_conflict", conflict_with=0)]),
    "200-character key": ([send("k" * 198)], [rejected("invalid", "idempotency_key")]),
    "128-character key": ([send("k" * 126)], [APPLIED]),
    "blank key": ([send("  ")], [rejected("invalid", "idempotency_key")]),
    "naive timestamp": ([send(occurred_at="2025-03-01T10:00:00")], [rejected("invalid", "occurred_at")]),
    "not a timestamp": ([send(occurred_at="yesterday")], [rejected("invalid", "occurred_at")]),
    "future timestamp": ([send(occurred_at="2999-03-01T10:00:00+08:00")], [rejected("invalid", "occurred_at")]),
    "unenrolled citizen": ([send(who="young")], [rejected("not_enrolled")]),
    "moved-away citizen": ([send(who="moved")], [rejected("not_enrolled")]),
    "unknown citizen": ([send(who="nobody")], [rejected("not_found", "resident_id")]),
    "malformed resident ID": ([send(who="malformed")], [rejected("invalid", "resident_id")]),
    "agency without rights for the event type": ([send(agency="court")], [rejected("forbidden")]),
    "bad attribute value": ([send(attributes={"severity": "huge"})], [rejected("invalid", "attributes.severity")]),
    "missing attribute": ([send(attributes={})], [rejected("invalid", "attributes.severity")]),
    "NUL in an attribute": ([send(attributes={"severity": "mi\x00nor"})], [rejected("invalid", "attributes")]),
    "unknown event type": ([send(event_type="jaywalking")], [rejected("invalid", "event_type")]),
    "a key first used by a rejected report is still free": (
        [send(attributes={"severity": "huge"}), send()],
        [rejected("invalid", "attributes.severity"), APPLIED]),
    "several reports, one citizen, in order": (
        [send("k1"), send("k2", attributes={"severity": "serious"}),
         send("k3", event_type="drunk_driving_conviction", attributes={"case_number": "(2025) Su 1324 Xing Chu 18"})],
        [APPLIED, APPLIED, APPLIED]),
}


@pytest.fixture
def town(make_citizen, agencies):
    """Per channel: an enrolled citizen, an unenrolled one and one who moved away; a token per agency."""
    people = {}
    for channel in CHANNELS:
        moved = make_citizen()
        Citizen.objects.filter(pk=moved.pk).update(status=Citizen.Status.MOVED_AWAY)
        people[channel] = {"a": make_citizen(), "young": make_citizen(enrol=False), "moved": moved}
    tokens = {code: agency_rotate_token(agency=agencies[code]) for code in ("police", "court")}
    return {"people": people, "agencies": agencies, "tokens": tokens}


def resident_id(town, channel, who) -> str:
    if who == "nobody":
        return "11010519491231002X"
    if who == "malformed":
        return "12345"
    return town["people"][channel][who].resident_id


def body(town, channel, item) -> dict:
    return {"resident_id": resident_id(town, channel, item["who"]), "event_type": item["event_type"],
            "occurred_at": item["occurred_at"], "attributes": item["attributes"],
            "idempotency_key": tagged(channel, item["key"])}


def tagged(channel, key) -> str:
    """The key with the channel's two-letter tag; a blank key stays blank (it is refused everywhere)."""
    return f"{channel[:2]}{key}" if key.strip() else key


def client(town, code) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {town['tokens'][code]}")
    return api


def error_outcome(error: dict) -> tuple:
    return ("rejected", error["code"], tuple(sorted(error["field_errors"])), error.get("event_id"))


def via_api(town, sends, tmp_path) -> list:
    outcomes = []
    for item in sends:
        response = client(town, item["agency"]).post("/api/v1/events/", body(town, "api", item), format="json")
        answer = response.json()
        if response.status_code == 201:
            outcomes.append(("replayed" if answer["replayed"] else "applied", None, (), answer["event_id"]))
        else:
            outcomes.append(error_outcome(answer))
    return outcomes


def via_batch(town, sends, tmp_path) -> list:
    outcomes = {}
    # A batch is one agency's: one call per agency, results put back in order.
    for code in sorted({item["agency"] for item in sends}):
        mine = [n for n, item in enumerate(sends) if item["agency"] == code]
        response = client(town, code).post("/api/v1/events/batch/",
                                           {"items": [body(town, "batch", sends[n]) for n in mine]}, format="json")
        assert response.status_code == 200, response.content
        for n, result in zip(mine, response.json()["results"], strict=True):
            if result["error"]:
                outcomes[n] = error_outcome(result["error"])
            else:
                outcomes[n] = (result["outcome"], None, (), result["result"]["event_id"])
    return [outcomes[n] for n in range(len(sends))]


def via_file(town, sends, tmp_path) -> list:
    path = tmp_path / "reports.jsonl"
    lines = [json.dumps({"agency": item["agency"], **body(town, "file", item)}) for item in sends]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    call_command("ingest_events", str(path), verbosity=0)
    rejects = {}
    for text in (tmp_path / "reports.jsonl.rejects.jsonl").read_text(encoding="utf-8").splitlines():
        error = json.loads(text)
        rejects[error.pop("line")] = error
    outcomes, seen = [], set()
    for line, item in enumerate(sends, start=1):
        if line in rejects:
            outcomes.append(error_outcome(rejects[line]))
            continue
        key = tagged("file", item["key"])
        event = Event.objects.get(agency__code=item["agency"], idempotency_key=key)
        outcomes.append(("replayed" if key in seen else "applied", None, (), event.pk))
        seen.add(key)
    return outcomes


def via_service(town, sends, tmp_path) -> list:
    outcomes = []
    for item in sends:
        data = body(town, "service", item)
        try:
            occurred_at = datetime.datetime.fromisoformat(data.pop("occurred_at"))
        except ValueError:
            occurred_at = item["occurred_at"]  # not a date-time: the service refuses the text as it is
        try:
            result = event_report(agency=town["agencies"][item["agency"]], occurred_at=occurred_at, **data)
        except ApplicationError as exc:
            outcomes.append(error_outcome(exc.as_dict()))
            continue
        outcomes.append(("replayed" if not result.created else "applied", None, (), result.event.pk))
    return outcomes


VIA = {"api": via_api, "batch": via_batch, "file": via_file, "service": via_service}


def comparable(outcomes: list) -> list:
    """Event ids become the position of the report that first applied them (ids differ per channel)."""
    first = {}
    for n, (outcome, _, _, event_id) in enumerate(outcomes):
        if outcome == "applied":
            first.setdefault(event_id, n)
    return [(outcome, code, fields, first.get(event_id) if outcome == "rejected" else None)
            for outcome, code, fields, event_id in outcomes]


def ledger(person) -> tuple:
    person.refresh_from_db()
    rows = person.ledger.exclude(kind="opening").order_by("id").values_list(
        "event__event_type", "rule_id", "kind", "delta", "balance_after")
    return tuple(rows), person.score, person.grade


@pytest.mark.parametrize("case", CASES)
def test_every_channel_gives_the_same_outcome_error_and_ledger(case, town, tmp_path):
    sends, expected = CASES[case]
    seen, ledgers = {}, {}
    for channel in CHANNELS:
        folder = tmp_path / channel
        folder.mkdir()
        seen[channel] = comparable(VIA[channel](town, sends, folder))
        ledgers[channel] = {who: ledger(person) for who, person in town["people"][channel].items()}
    assert seen == {channel: list(expected) for channel in CHANNELS}
    assert all(ledgers[channel] == ledgers["api"] for channel in CHANNELS), ledgers
    if APPLIED in expected:
        assert ledgers["api"]["a"][0], "an applied report leaves entries to compare"
