"""Bulk paths: CSV import, daily enrolment and JSON-lines ingest are idempotent and report bad lines."""
import csv
import datetime
import json

import pytest
from django.core.management import call_command

from citizens.models import Citizen
from citizens.synthetic import people, resident_id
from points.models import Event, LedgerEntry
from points.services import citizens_enroll_due
from points.synthetic import PILOT_START, reports


def write_csv(path, rows, header=("resident_id", "name", "birth_date", "sex", "district")):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def test_import_reports_bad_rows_by_line_and_is_idempotent(db, tmp_path, capsys):
    good = [p for p in people(5, seed=3, today=datetime.date(2000, 1, 1))]
    rows = [[p["resident_id"], p["name"], p["birth_date"].isoformat(), p["sex"], p["district"]] for p in good]
    rows.insert(2, ["110105194912310021", "错误", "1949-12-31", "M", "Suicheng"])
    rows.insert(4, [good[0]["resident_id"], "重复", good[0]["birth_date"].isoformat(), good[0]["sex"], "Liji"])
    path = tmp_path / "people.csv"
    write_csv(path, rows)
    call_command("import_citizens", str(path), verbosity=0)
    out = capsys.readouterr()
    assert f"{path}:4: resident_id 110105194912310021: check character does not match" in out.err
    assert f"{path}:6: resident_id {good[0]['resident_id']} appears twice in the file" in out.err
    assert "5 created, 0 unchanged, 2 rejected, 5 enrolled." in out.out
    call_command("import_citizens", str(path), verbosity=0)
    assert "0 created, 5 unchanged, 2 rejected, 0 enrolled." in capsys.readouterr().out
    assert Citizen.objects.count() == 5 and LedgerEntry.objects.count() == 5


def test_import_rejects_mismatched_birth_date_and_sex(db, tmp_path, capsys):
    rid = resident_id(datetime.date(1990, 1, 2), 7, "M")
    write_csv(tmp_path / "p.csv", [[rid, "甲", "1990-01-03", "M", "Gupi"], [rid, "甲", "1990-01-02", "F", "Gupi"]])
    call_command("import_citizens", str(tmp_path / "p.csv"), verbosity=0)
    err = capsys.readouterr().err
    assert ":2: birth_date does not match the date in the resident ID" in err
    assert ":3: sex does not match the resident ID" in err
    assert not Citizen.objects.exists()


def test_enroll_due_takes_only_those_14_and_over_once(make_citizen):
    today = datetime.date(2026, 6, 1)
    turned_14 = make_citizen(birth_date=datetime.date(2012, 5, 31), enrol=False)
    not_yet = make_citizen(birth_date=datetime.date(2012, 6, 2), enrol=False)
    at = datetime.datetime.combine(today, datetime.time(12), tzinfo=PILOT_START.tzinfo)
    assert citizens_enroll_due(at=at) == 1
    assert citizens_enroll_due(at=at) == 0
    turned_14.refresh_from_db(), not_yet.refresh_from_db()
    assert turned_14.score == 1000 and not_yet.score is None


@pytest.fixture
def population(make_citizen):
    return [make_citizen(birth_date=datetime.date(1970 + n, 1, 1)).resident_id for n in range(20)]


def test_ingest_applies_rejects_and_reruns_idempotently(population, agencies, tmp_path, capsys):
    lines = [json.dumps(r) for r in reports(population, 300, seed=5)]
    lines.insert(10, "{not json")
    lines.insert(20, json.dumps({"agency": "court", "resident_id": population[0]}))
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")
    call_command("ingest_events", str(path), batch_size=64, verbosity=0)
    assert "300 applied, 0 already applied, 2 rejected" in capsys.readouterr().out
    rejects = [json.loads(x) for x in (tmp_path / "events.jsonl.rejects.jsonl").read_text().splitlines()]
    assert [(r["line"], r["code"]) for r in rejects] == [(11, "invalid"), (21, "invalid")]
    assert set(rejects[1]["field_errors"]) == {"event_type", "occurred_at", "idempotency_key"}
    scores = dict(Citizen.objects.values_list("resident_id", "score"))
    call_command("ingest_events", str(path), verbosity=0)
    assert "0 applied, 300 already applied, 2 rejected" in capsys.readouterr().out
    assert dict(Citizen.objects.values_list("resident_id", "score")) == scores
    for citizen in Citizen.objects.all():
        assert citizen.score == sum(LedgerEntry.objects.filter(citizen=citizen).values_list("delta", flat=True))


def test_bulk_and_single_paths_give_the_same_ledger(make_citizen, agencies, tmp_path):
    """The batch writer must score exactly as event_report does, caps and grade changes included."""
    from points.services import event_report

    bulk = [make_citizen(birth_date=datetime.date(1980, 1, n + 1)) for n in range(5)]
    single = [make_citizen(birth_date=datetime.date(1981, 1, n + 1)) for n in range(5)]
    stream = list(reports([c.resident_id for c in bulk], 400, seed=11))
    path = tmp_path / "e.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in stream))
    call_command("ingest_events", str(path), batch_size=50, verbosity=0)
    twin = {b.resident_id: s.resident_id for b, s in zip(bulk, single, strict=True)}
    for item in stream:
        event_report(agency=agencies[item["agency"]], resident_id=twin[item["resident_id"]],
                     event_type=item["event_type"], occurred_at=datetime.datetime.fromisoformat(item["occurred_at"]),
                     attributes=item["attributes"], idempotency_key="s" + item["idempotency_key"])
    def history(citizen):
        return list(citizen.ledger.order_by("id").values_list("rule_id", "delta", "balance_after"))

    for b, s in zip(bulk, single, strict=True):
        assert history(b) == history(s)
        assert list(b.grade_changes.order_by("id").values_list("to_grade", "score")) == list(
            s.grade_changes.order_by("id").values_list("to_grade", "score"))
    assert Event.objects.filter(idempotency_key__startswith="synthetic").count() == 400
