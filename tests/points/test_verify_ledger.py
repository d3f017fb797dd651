"""verify_ledger recomputes the hash chains and finds every tampered row."""
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from points.integrity import ledger_verify
from points.models import LedgerEntry
from points.services import event_retract
from tests import dbroles


@pytest.fixture
def ledger(transactional_db, make_citizen, report, agencies):
    """Two citizens with a few entries each, one retraction among them."""
    first, second = make_citizen(), make_citizen()
    report(first, "elderly_care", {"months": 6})
    bad = report(first, "drunk_driving_conviction")
    report(first, "traffic_violation", {"severity": "serious"})
    event_retract(event=bad.event, reason="wrong person", agency=agencies["court"])
    report(second, "blood_donation", {"millilitres": 300})
    return first, second


def tamper(sql, params):
    """Change a row as the database's superuser would: on PostgreSQL, on a connection of its own (the
    test's rows are committed) with the trigger switched off; on SQLite, on the test's connection."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        return
    with dbroles.superuser_connection() as su:
        su.execute("ALTER TABLE points_ledgerentry DISABLE TRIGGER points_ledgerentry_append_only")
        try:
            su.execute(sql, params)
        finally:
            su.execute("ALTER TABLE points_ledgerentry ENABLE TRIGGER points_ledgerentry_append_only")


def run_command():
    out = io.StringIO()
    call_command("verify_ledger", "--no-progress", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_intact_ledger_passes(ledger):
    report = ledger_verify()
    assert report.ok and report.citizens == 2
    assert report.entries == LedgerEntry.objects.count() == 7
    assert "every chain is intact" in run_command()


def test_changed_delta_is_reported_with_citizen_and_entry(ledger):
    first, _ = ledger
    entry = LedgerEntry.objects.get(citizen=first, rule_id="SN-ELDERLY-CARE")
    tamper("UPDATE points_ledgerentry SET delta = 500 WHERE id = %s", [entry.pk])
    problems = {(b.resident_id, b.entry_id, b.problem.split(" ")[0]) for b in ledger_verify().breaks}
    assert (first.resident_id, entry.pk, "hash") in problems
    assert (first.resident_id, entry.pk, "balance_after") in problems
    assert (first.resident_id, None, "score") in problems
    with pytest.raises(CommandError, match="breaks"):
        run_command()


def test_deleted_entry_breaks_the_next_link(ledger):
    first, second = ledger
    entries = list(LedgerEntry.objects.filter(citizen=first).order_by("id"))
    tamper("DELETE FROM points_ledgerentry WHERE id = %s", [entries[1].pk])
    breaks = ledger_verify().breaks
    assert any(b.entry_id == entries[2].pk and b.problem.startswith("prev_hash") for b in breaks)
    assert {b.citizen_id for b in breaks} == {first.pk}  # the other chain is intact


def test_removed_newest_entry_is_caught_by_the_head(ledger):
    _, second = ledger
    newest = LedgerEntry.objects.filter(citizen=second).order_by("-id").first()
    tamper("DELETE FROM points_ledgerentry WHERE id = %s", [newest.pk])
    problems = [b.problem for b in ledger_verify().breaks if b.citizen_id == second.pk]
    assert any(p.startswith("ledger_head") for p in problems) and any(p.startswith("score") for p in problems)


def test_rehashed_edit_is_still_caught_by_the_next_entry(ledger):
    """A forger who also recomputes the edited row's own hash (here even with the chain key) breaks the
    following link."""
    first, _ = ledger
    entries = list(LedgerEntry.objects.filter(citizen=first).order_by("id"))
    forged = entries[1]
    forged.reason = "forged"
    tamper("UPDATE points_ledgerentry SET reason = %s, hash = %s WHERE id = %s",
           ["forged", forged.compute_hash(first.resident_id), forged.pk])
    breaks = ledger_verify().breaks
    assert [(b.entry_id, b.kind) for b in breaks] == [(entries[2].pk, "prev_hash")]


def test_inexact_reversal_is_reported(ledger):
    first, _ = ledger
    reversal = LedgerEntry.objects.get(citizen=first, kind="reversal")
    tamper("UPDATE points_ledgerentry SET reverses_id = %s WHERE id = %s",
           [LedgerEntry.objects.get(citizen=first, kind="opening").pk, reversal.pk])
    assert any(b.entry_id == reversal.pk and "not exactly" in b.problem for b in ledger_verify().breaks)
