"""Recompute every citizen's hash chain and balances, and report each break.

The ledger is append-only (``points.immutable`` and the PostgreSQL triggers), but whoever owns
the database can switch triggers off. The chain makes such an edit visible: every entry's hash
covers its content and the previous entry's hash, and the citizen row keeps the newest hash
(``Citizen.ledger_head``), so an edited, deleted or inserted row breaks the chain from there on.
"""
from dataclasses import dataclass, field

from citizens.models import Citizen
from points.models import LedgerEntry

_ENTRY_FIELDS = ("id", "citizen_id", "event_id", "rule_id", "policy_version", "kind", "delta", "balance_after",
                 "reverses_id", "reason", "created_at", "expires_on", "prev_hash", "hash")


@dataclass(frozen=True)
class ChainBreak:
    """One thing that does not add up, for one citizen (and one entry, if it is about an entry)."""

    citizen_id: int
    resident_id: str
    entry_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"entry {self.entry_id}" if self.entry_id else "citizen row"
        return f"citizen {self.resident_id} (id {self.citizen_id}), {where}: {self.problem}"


@dataclass
class VerifyReport:
    citizens: int = 0
    entries: int = 0
    breaks: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks


def ledger_verify(*, citizen_ids=None, batch_size: int = 1000, progress=None) -> VerifyReport:
    """Check every chain (or those of ``citizen_ids``), ``batch_size`` citizens per query."""
    report = VerifyReport()
    citizens = Citizen.objects.order_by("pk").only("pk", "resident_id", "score", "ledger_head")
    if citizen_ids is not None:
        citizens = citizens.filter(pk__in=citizen_ids)
    last_pk = 0
    while True:
        batch = list(citizens.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            return report
        last_pk = batch[-1].pk
        chains = _entries_by_citizen([c.pk for c in batch])
        for citizen in batch:
            entries = chains.get(citizen.pk, [])
            report.breaks.extend(chain_breaks(citizen, entries))
            report.entries += len(entries)
        report.citizens += len(batch)
        if progress:
            progress(len(batch))


def _entries_by_citizen(citizen_ids) -> dict:
    chains = {}
    rows = LedgerEntry.objects.filter(citizen_id__in=citizen_ids).order_by("citizen_id", "id").only(*_ENTRY_FIELDS)
    for entry in rows.iterator(chunk_size=5000):
        chains.setdefault(entry.citizen_id, []).append(entry)
    return chains


def chain_breaks(citizen: Citizen, entries: list) -> list:
    """Every break in one citizen's chain; ``entries`` in id order."""
    breaks, previous, balance, by_id = [], "", 0, {}

    def broken(entry_id, problem):
        breaks.append(ChainBreak(citizen.pk, citizen.resident_id, entry_id, problem))

    for entry in entries:
        if entry.prev_hash != previous:
            broken(entry.pk, "prev_hash does not match the previous entry's hash (an entry is missing or inserted)")
        if entry.hash != entry.compute_hash(citizen.resident_id):
            broken(entry.pk, "hash does not match the entry's content (the entry was changed)")
        balance += entry.delta
        if entry.balance_after != balance:
            broken(entry.pk, f"balance_after is {entry.balance_after}, the running sum of deltas is {balance}")
        _check_reversal(entry, by_id, broken)
        by_id[entry.pk] = entry
        previous = entry.hash
    if citizen.ledger_head != previous:
        broken(None, "ledger_head does not match the newest entry's hash (the newest entries were removed or "
                     "the chain was rewritten)")
    expected_score = balance if entries else None
    if citizen.score != expected_score:
        broken(None, f"score is {citizen.score}, the sum of the ledger's deltas is {expected_score}")
    return breaks


def _check_reversal(entry, earlier: dict, broken) -> None:
    if not entry.reverses_id:
        return
    target = earlier.get(entry.reverses_id)
    if target is None:
        broken(entry.pk, f"reverses entry {entry.reverses_id}, which is not an earlier entry of this citizen")
    elif target.delta != -entry.delta:
        broken(entry.pk, f"reverses entry {target.pk} ({target.delta:+d}) with {entry.delta:+d}, not exactly")
