"""The record cannot be changed: the model layer everywhere, triggers on PostgreSQL even for raw SQL."""
import pytest
from django.db import DatabaseError, connection, transaction

from core.exceptions import ImmutableRecord
from points.models import Event, LedgerEntry
from points.services import event_void


@pytest.fixture
def reported(make_citizen, report):
    citizen = make_citizen()
    result = report(citizen, "drunk_driving_conviction")
    return citizen, result.event, result.entries[0]


def test_ledger_entry_cannot_be_saved_again_or_deleted(reported):
    _, _, entry = reported
    entry.delta = -1
    with pytest.raises(ImmutableRecord):
        entry.save()
    with pytest.raises(ImmutableRecord):
        entry.delete()
    with pytest.raises(ImmutableRecord):
        LedgerEntry.objects.filter(pk=entry.pk).update(delta=-1)
    with pytest.raises(ImmutableRecord):
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(ImmutableRecord):
        LedgerEntry.objects.bulk_update([entry], ["delta"])
    assert LedgerEntry.objects.get(pk=entry.pk).delta == -50


def test_event_cannot_be_edited_or_deleted(reported):
    _, event, _ = reported
    event.attributes = {"case_number": "forged"}
    with pytest.raises(ImmutableRecord):
        event.save()
    with pytest.raises(ImmutableRecord):
        event.delete()
    with pytest.raises(ImmutableRecord):
        Event.objects.filter(pk=event.pk).update(attributes={})
    with pytest.raises(ImmutableRecord):
        Event.objects.filter(pk=event.pk).update(status="applied")
    with pytest.raises(ImmutableRecord):
        Event.objects.filter(pk=event.pk).delete()
    assert Event.objects.get(pk=event.pk).attributes["case_number"].startswith("(2025)")


def test_only_the_withdrawal_moves_an_event_and_never_back(reported):
    citizen, event, _ = reported
    event_void(event=event, reason="wrong person", by="official")
    assert Event.objects.get(pk=event.pk).status == "voided"
    # A withdrawn event is never re-applied or withdrawn twice, even through the queryset.
    assert Event.objects.filter(pk=event.pk).update(status="retracted", status_reason="again") == 0
    assert Event.objects.get(pk=event.pk).status == "voided"
    citizen.refresh_from_db()
    assert citizen.score == 1000


def _raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.postgres
@pytest.mark.parametrize("sql", [
    "UPDATE points_ledgerentry SET delta = 50 WHERE id = %s",
    "UPDATE points_ledgerentry SET reason = 'edited' WHERE id = %s",
    "DELETE FROM points_ledgerentry WHERE id = %s",
])
def test_raw_sql_cannot_touch_ledger_entries_on_postgresql(reported, sql):
    _, _, entry = reported
    # Refused by the application role's privileges, or (owner, superuser) by the trigger.
    with pytest.raises(DatabaseError, match="append-only|permission denied"), transaction.atomic():
        _raw(sql, [entry.pk])
    assert LedgerEntry.objects.get(pk=entry.pk).delta == -50


@pytest.mark.postgres
@pytest.mark.parametrize("sql, message", [
    ("UPDATE points_event SET attributes = '{}' WHERE id = %s", "only its status fields"),
    ("UPDATE points_event SET occurred_at = now() WHERE id = %s", "only its status fields"),
    ("UPDATE points_event SET status = 'voided', status_reason = 'x', status_changed_at = now(),"
     " status_changed_by = 'x', event_type = 'volunteering' WHERE id = %s", "only its status fields"),
    ("UPDATE points_event SET status = 'voided' WHERE id = %s", "who, when and why"),
    ("UPDATE points_event SET status = 'bogus', status_reason = 'x', status_changed_at = now(),"
     " status_changed_by = 'x' WHERE id = %s", "from applied to retracted or voided"),
    ("DELETE FROM points_event WHERE id = %s", "never deleted"),
])
def test_raw_sql_cannot_touch_events_on_postgresql(reported, sql, message):
    _, event, _ = reported
    with pytest.raises(DatabaseError, match=f"{message}|permission denied"), transaction.atomic():
        _raw(sql, [event.pk])
    stored = Event.objects.get(pk=event.pk)
    assert (stored.status, stored.event_type) == ("applied", "drunk_driving_conviction")


@pytest.mark.postgres
def test_raw_sql_cannot_reapply_a_withdrawn_event_on_postgresql(reported):
    _, event, _ = reported
    event_void(event=event, reason="appeal upheld", by="official")
    with pytest.raises(DatabaseError, match="voided to applied"), transaction.atomic():
        _raw("UPDATE points_event SET status = 'applied' WHERE id = %s", [event.pk])
    assert Event.objects.get(pk=event.pk).status == "voided"
