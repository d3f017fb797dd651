"""``ingest_events --workers``: several processes give the ledger one process gives."""
import datetime
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from citizens.models import Citizen
from points import parallel
from points.ingest import events_ingest
from points.models import Event, LedgerEntry
from points.parallel import ParallelIngestError
from points.synthetic import reports


def _history(citizen):
    return list(citizen.ledger.order_by("id").values_list("rule_id", "delta", "balance_after"))


def _twins(make_citizen, count):
    """Pairs of citizens with the same birth date, sex and district: they score alike."""
    days = [datetime.date(1970 + n, 1, 1) for n in range(count)]
    return [(make_citizen(birth_date=day), make_citizen(birth_date=day)) for day in days]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_write_the_ledger_one_process_writes(make_citizen, agencies, tmp_path, capsys):
    pairs = _twins(make_citizen, 12)
    stream = list(reports([a.resident_id for a, _ in pairs], 600, seed=17))
    twin = {a.resident_id: b.resident_id for a, b in pairs}
    lines = [json.dumps(item) for item in stream]
    lines.insert(100, "{not json")
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")
    call_command("ingest_events", str(path), batch_size=40, workers=2, verbosity=0)
    assert "600 applied, 0 already applied, 1 rejected" in capsys.readouterr().out
    assert json.loads((tmp_path / "events.jsonl.rejects.jsonl").read_text())["line"] == 101

    single = [dict(item, resident_id=twin[item["resident_id"]], idempotency_key="s" + item["idempotency_key"])
              for item in stream]
    events_ingest(lines=enumerate((json.dumps(item) for item in single), start=1), batch_size=40)
    for a, b in pairs:
        a.refresh_from_db(), b.refresh_from_db()
        assert _history(a) == _history(b) and len(_history(a)) > 1
        assert (a.score, a.grade) == (b.score, b.grade)
    call_command("verify_ledger", verbosity=0)

    call_command("ingest_events", str(path), batch_size=40, workers=2, verbosity=0)
    assert "0 applied, 600 already applied, 1 rejected" in capsys.readouterr().out
    assert Event.objects.filter(idempotency_key__startswith="synthetic").count() == 600


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_failing_worker_is_reported_and_nothing_hangs(make_citizen, agencies, monkeypatch):
    people = [make_citizen().resident_id for _ in range(4)]
    # Far more batches than a worker's inbox holds: the parent must notice the failure while it waits to send.
    lines = [json.dumps(item) for item in reports(people, 400, seed=3)]

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(parallel, "apply_batches", broken)  # the forked workers inherit it
    with pytest.raises(ParallelIngestError, match="disk on fire"):
        events_ingest(lines=enumerate(lines, start=1), batch_size=5, workers=2)
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.RULE).exists()


def test_workers_need_postgresql(db, tmp_path):
    if connection.vendor == "postgresql":
        pytest.skip("the refusal is for SQLite")
    path = tmp_path / "e.jsonl"
    path.write_text("")
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("ingest_events", str(path), workers=2, verbosity=0)
    assert not Citizen.objects.exists()
