"""No two ledger entries can say the same thing: the database refuses a second copy of any entry.

This is why the entry hash needs no unique index of its own (points.models.LedgerEntry.hash).
"""
import pytest
from django.db import IntegrityError, transaction

from points.models import LedgerEntry
from points.services import event_report, event_retract
from points.synthetic import PILOT_START


def _copy(entry: LedgerEntry) -> LedgerEntry:
    twin = LedgerEntry.objects.get(pk=entry.pk)
    twin.pk = None
    twin._state.adding = True
    return twin


@pytest.mark.parametrize("kind", ["opening", "rule", "reversal"])
def test_a_copy_of_any_entry_is_refused(make_citizen, agencies, kind):
    citizen = make_citizen()
    result = event_report(agency=agencies["police"], resident_id=citizen.resident_id,
                          event_type="drunk_driving_conviction", occurred_at=PILOT_START.replace(month=3),
                          attributes={"case_number": "(2024)7号"}, idempotency_key="k1")
    event_retract(event=result.event, reason="wrong person", agency=agencies["police"])
    entry = LedgerEntry.objects.filter(citizen=citizen, kind=kind).get()
    twin = _copy(entry)
    assert twin.compute_hash(citizen.resident_id) == entry.hash  # the same content, so the same hash
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
    assert LedgerEntry.objects.filter(citizen=citizen, hash=entry.hash).count() == 1
