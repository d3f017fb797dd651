"""Recompute every citizen's keyed hash chain and balances, compare the ledger with every signed
checkpoint, and report each break.

The ledger is append-only (``points.immutable``, the PostgreSQL triggers and the application's
database role), but a database superuser can do anything. Three proofs make what they do visible:

- every entry's hash is an HMAC under a chain key kept outside the database (``points.keys``) over
  its content, its event's and the previous entry's hash, so an edited, inserted or forged entry
  (or event) fails, however its hash was recomputed;
- the citizen row keeps the newest hash (``Citizen.ledger_head``) and the score, checked against
  the chain;
- signed checkpoints outside the database (``points.checkpoints``) remember every citizen's chain
  length and head, so wiped, truncated or rolled-back chains and history rewritten even with the
  chain key show up against them.
"""
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from citizens.models import Citizen
from points import checkpoints, keys
from points.immutable import WITHDRAWN
from points.models import LedgerEntry, hash_message

# The columns hash_message covers, in its order, after the entry's id and citizen and before the
# event's status; read as tuples, not model instances (a third of the cost).
_COLUMNS = (
    "citizen_id", "id", "key_id", "prev_hash", "event_id", "rule_id", "rule_title", "policy_version", "kind",
    "delta", "balance_after", "reverses_id", "reason", "created_at", "expires_on", "event__citizen_id",
    "event__event_type", "event__agency_id", "event__occurred_at", "event__fingerprint", "event__attributes",
    "event__status", "hash",
)
_CITIZEN, _ID, _KEY, _PREV, _EVENT, _DELTA, _BALANCE, _REVERSES, _STATUS, _HASH = (
    _COLUMNS.index(c) for c in ("citizen_id", "id", "key_id", "prev_hash", "event_id", "delta", "balance_after",
                                "reverses_id", "event__status", "hash"))
_EVENT_CITIZEN = _COLUMNS.index("event__citizen_id")


@dataclass(frozen=True)
class ChainBreak:
    """One thing that does not add up: for one citizen (and one entry, if it is about an entry), or
    for the ledger as a whole (``citizen_id`` None). ``kind`` names the sort of break."""

    citizen_id: int | None
    resident_id: str
    entry_id: int | None
    problem: str
    kind: str = ""

    def __str__(self) -> str:
        if self.citizen_id is None:
            return _("ledger: %(problem)s [%(kind)s]") % {"problem": self.problem, "kind": self.kind}
        where = _("entry %(id)s") % {"id": self.entry_id} if self.entry_id else _("citizen row")
        return _("citizen %(resident)s (id %(id)s), %(where)s: %(problem)s [%(kind)s]") % {
            "resident": self.resident_id or "?", "id": self.citizen_id, "where": where, "problem": self.problem,
            "kind": self.kind,
        }


@dataclass
class VerifyReport:
    citizens: int = 0
    entries: int = 0
    checkpoints: int = 0
    breaks: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks


def ledger_verify(*, citizen_ids=None, batch_size: int = 1000, progress=None, checkpoint_dir=None,
                  use_checkpoints: bool = True) -> VerifyReport:
    """Check every chain (or those of ``citizen_ids``), ``batch_size`` citizens per query, against
    every checkpoint in the store (unless ``use_checkpoints`` is false)."""
    report = VerifyReport()
    expected = _checkpoint_expectations(report, checkpoint_dir) if use_checkpoints else {}
    citizens = Citizen.objects.order_by("pk").values_list("pk", "resident_id", "score", "ledger_head")
    if citizen_ids is not None:
        citizens = citizens.filter(pk__in=citizen_ids)
    last_pk = 0
    while batch := list(citizens.filter(pk__gt=last_pk)[:batch_size]):
        last_pk = batch[-1][0]
        chains = _entries_by_citizen([c[0] for c in batch])
        for citizen in batch:
            entries = chains.get(citizen[0], [])
            report.breaks.extend(chain_breaks(citizen, entries, expected.pop(citizen[0], ())))
            report.entries += len(entries)
        report.citizens += len(batch)
        if progress:
            progress(len(batch))
    if citizen_ids is None:
        report.breaks.extend(_vanished(expected))
    return report


def _entries_by_citizen(citizen_ids) -> dict:
    chains = {}
    rows = LedgerEntry.objects.filter(citizen_id__in=citizen_ids).order_by("citizen_id", "id").values_list(*_COLUMNS)
    for row in rows.iterator(chunk_size=5000):
        chains.setdefault(row[_CITIZEN], []).append(row)
    return chains


def chain_breaks(citizen, entries: list, expected=()) -> list:
    """Every break in one citizen's chain. ``citizen``: (pk, resident_id, score, ledger_head);
    ``entries``: rows of ``_COLUMNS`` in id order; ``expected``: the checkpoints' leaves for them."""
    citizen_id, resident_id, score, head = citizen
    breaks, previous, balance, by_id, reversed_ids = [], "", 0, {}, set()

    def broken(entry_id, kind, problem):
        breaks.append(ChainBreak(citizen_id, resident_id, entry_id, problem, kind))

    for row in entries:
        entry_id = row[_ID]
        if row[_PREV] != previous:
            broken(entry_id, "prev_hash", _("prev_hash does not match the previous entry's hash "
                                            "(an entry is missing or inserted)"))
        _check_hash(row, resident_id, broken)
        if row[_EVENT_CITIZEN] != citizen_id:
            broken(entry_id, "event", _("the entry's event belongs to citizen id %(other)s")
                   % {"other": row[_EVENT_CITIZEN]})
        balance += row[_DELTA]
        if row[_BALANCE] != balance:
            broken(entry_id, "balance_after", _("balance_after is %(stored)s, the running sum of deltas is %(sum)s")
                   % {"stored": row[_BALANCE], "sum": balance})
        _check_reversal(row, by_id, broken)
        if row[_REVERSES]:
            reversed_ids.add(row[_REVERSES])
        by_id[entry_id] = row
        previous = row[_HASH]
    _check_withdrawn(entries, reversed_ids, broken)
    if head != previous:
        broken(None, "ledger_head", _("ledger_head does not match the newest entry's hash (the newest entries were "
                                      "removed or the chain was rewritten)"))
    expected_score = balance if entries else None
    if score != expected_score:
        broken(None, "score", _("score is %(score)s, the sum of the ledger's deltas is %(sum)s")
               % {"score": score, "sum": expected_score})
    _check_against_checkpoints(entries, expected, broken)
    return breaks


def _check_hash(row, resident_id, broken) -> None:
    key_id = row[_KEY]
    if not keys.has_key(key_id):
        broken(row[_ID], "hash", _("hash is under key %(key)r, which is not configured (forged, or the key is "
                                   "missing from LEDGER_KEYS)") % {"key": key_id})
    elif row[_HASH] != keys.mac(key_id, _message(row, resident_id)):
        broken(row[_ID], "hash", _("hash does not match the entry's content or its event's (the entry or the event "
                                   "was changed, or the entry forged)"))


def _message(row, resident_id) -> str:
    return hash_message(row[_KEY], row[_PREV], resident_id, *row[_EVENT:_STATUS])


def _check_reversal(row, earlier: dict, broken) -> None:
    reverses = row[_REVERSES]
    if not reverses:
        return
    target = earlier.get(reverses)
    if target is None:
        broken(row[_ID], "reversal", _("reverses entry %(target)s, which is not an earlier entry of this citizen")
               % {"target": reverses})
    elif target[_DELTA] != -row[_DELTA]:
        broken(row[_ID], "reversal", _("reverses entry %(target)s (%(old)+d) with %(new)+d, not exactly")
               % {"target": target[_ID], "old": target[_DELTA], "new": row[_DELTA]})


def _check_withdrawn(entries, reversed_ids: set, broken) -> None:
    """A retracted or voided event's points must have been reversed: every entry of it that is not
    itself a reversal has one."""
    for row in entries:
        if row[_STATUS] in WITHDRAWN and not row[_REVERSES] and row[_ID] not in reversed_ids:
            broken(row[_ID], "withdrawal", _("event %(event)s is %(status)s but this entry of it was never "
                                             "reversed: its points still count") % {"event": row[_EVENT],
                                                                                     "status": row[_STATUS]})


def _checkpoint_expectations(report: VerifyReport, directory) -> dict:
    """{citizen id: [(seq, Leaf), ...]} from every valid checkpoint; the store's own problems and the
    ledger-wide totals are reported on the way."""
    reading = checkpoints.read_store(directory)
    report.checkpoints = len(reading.checkpoints)
    for kind, message in reading.problems:
        report.breaks.append(ChainBreak(None, "", None, message, kind))
    expected = {}
    for checkpoint in reading.checkpoints:
        for leaf in checkpoint.leaves:
            expected.setdefault(leaf.citizen_id, []).append((checkpoint.seq, leaf))
    last = reading.last
    if last is not None:
        total, highest = LedgerEntry.objects.count(), _highest_id()
        if total < last.entries or highest < last.payload["max_entry_id"]:
            report.breaks.append(ChainBreak(None, "", None, _(
                "checkpoint %(seq)s counted %(entries)s entries up to id %(max)s; the ledger now has %(total)s up to "
                "id %(highest)s (entries were deleted or the ledger truncated)"
            ) % {"seq": last.seq, "entries": last.entries, "max": last.payload["max_entry_id"], "total": total,
                 "highest": highest}, "checkpoint-truncated"))
    return expected


def _highest_id() -> int:
    return LedgerEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _check_against_checkpoints(entries, expected, broken) -> None:
    """The chain must still hold, at each checkpoint's length, the head that checkpoint signed. The
    earliest checkpoint it contradicts is reported (the last moment it was known good is before)."""
    for seq, leaf in expected:
        if len(entries) < leaf.count:
            broken(leaf.head_id, "checkpoint-truncated", _(
                "checkpoint %(seq)s recorded %(count)s entries ending with entry %(entry)s; the ledger has "
                "%(now)s (the newest entries were deleted and the head rolled back)"
            ) % {"seq": seq, "count": leaf.count, "entry": leaf.head_id, "now": len(entries)})
            return
        row = entries[leaf.count - 1]
        if row[_ID] != leaf.head_id or row[_HASH] != leaf.head_hash:
            broken(row[_ID], "checkpoint-rewritten", _(
                "checkpoint %(seq)s recorded entry %(entry)s as entry number %(count)s with hash %(hash)s; the "
                "ledger has entry %(now)s with hash %(now_hash)s there (history was rewritten)"
            ) % {"seq": seq, "entry": leaf.head_id, "count": leaf.count, "hash": leaf.head_hash[:16],
                 "now": row[_ID], "now_hash": row[_HASH][:16]})
            return


def _vanished(expected: dict) -> list:
    """Citizens the checkpoints know who are no longer in the register."""
    breaks = []
    for citizen_id, leaves in sorted(expected.items()):
        seq, leaf = leaves[-1]
        breaks.append(ChainBreak(citizen_id, "", leaf.head_id, _(
            "checkpoint %(seq)s recorded %(count)s entries ending with entry %(entry)s for this citizen, who is no "
            "longer in the register (the register was wiped or the row deleted)"
        ) % {"seq": seq, "count": leaf.count, "entry": leaf.head_id}, "checkpoint-missing-citizen"))
    return breaks
