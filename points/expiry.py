"""Rehabilitation: entries of rules with ``expires_after`` stop counting on their ``expires_on`` day.

Each due entry gets an exact reversal of kind ``expiry`` ("expired on DATE under rule X"), written
under the citizen's row lock, and the citizen is regraded. Running again changes nothing: only
entries not yet reversed are due, and the database allows one reversal per entry
(``LedgerEntry.reverses`` is one-to-one), so an entry can never expire twice.
"""
import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from citizens.models import Citizen
from points import writer
from points.models import LedgerEntry
from rules.registry import current_policy


@dataclass
class ExpiryReport:
    entries: int = 0
    citizens: int = 0
    points_restored: int = 0


def entries_due(*, today: datetime.date):
    """Live rule entries whose expiry day has come."""
    return LedgerEntry.objects.filter(
        kind__in=[LedgerEntry.Kind.RULE, LedgerEntry.Kind.REINSTATEMENT], expires_on__lte=today,
        reversed_by__isnull=True
    )


def points_expire(*, today: datetime.date | None = None, now: datetime.datetime | None = None,
                  batch_size: int = 500, progress=None) -> ExpiryReport:
    """Expire every due entry, ``batch_size`` citizens per transaction; see the module docstring."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    citizen_ids = sorted(set(entries_due(today=today).values_list("citizen_id", flat=True)))
    report = ExpiryReport()
    for start in range(0, len(citizen_ids), batch_size):
        batch = citizen_ids[start:start + batch_size]
        with transaction.atomic():
            _expire_batch(batch, today, now, report)
        if progress:
            progress(len(batch))
    return report


def _expire_batch(citizen_ids, today, now, report: ExpiryReport) -> None:
    policy = current_policy()
    citizens = Citizen.objects.select_for_update().order_by("pk").in_bulk(citizen_ids)
    # Read the due entries again under the lock: a concurrent run or a void may have reversed some.
    due = entries_due(today=today).filter(citizen_id__in=citizen_ids).select_related("event", "event__agency")
    by_citizen = {}
    for entry in due.order_by("citizen_id", "expires_on", "id"):
        by_citizen.setdefault(entry.citizen_id, []).append(entry)
    changes, planned = [], []
    for citizen_id, entries in by_citizen.items():
        citizen = citizens[citizen_id]
        reversals = [_expiry_entry(citizen, entry, now) for entry in entries]
        changes.append((citizen, reversals))
        planned.extend(reversals)
        report.points_restored -= sum(entry.delta for entry in entries)
    writer.write_entries(changes=changes, policy=policy, at=now)
    report.entries += len(planned)
    report.citizens += len(changes)


def _expiry_entry(citizen, entry, now) -> LedgerEntry:
    """The exact, unclamped reversal of ``entry``, of kind expiry (unsaved)."""
    return writer.reversal(citizen=citizen, entry=entry, at=now, kind=LedgerEntry.Kind.EXPIRY,
                           reason=f"expired on {entry.expires_on.isoformat()} under rule {entry.rule_id}")
