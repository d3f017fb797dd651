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

from django.db import connection
from django.utils.translation import gettext as _

from citizens.models import Citizen
from points import checkpoints, keys
from points.immutable import WITHDRAWN
from points.models import Event, LedgerEntry, hash_message

# The columns hash_message covers, in its order, after the entry's id and citizen; read as tuples,
# because building a model instance per entry would dominate the check.
_COLUMNS = (
    "citizen_id", "id", "key_id", "prev_hash", "event_id", "rule_id", "rule_title", "policy_version", "kind",
    "delta", "balance_after", "reverses_id", "reason", "created_at", "expires_on", "event__citizen_id",
    "event__event_type", "event__agency_id", "event__occurred_at", "event__fingerprint", "event__attributes", "hash",
)
_CITIZEN, _ID, _KEY, _PREV, _EVENT, _DELTA, _BALANCE, _EVENT_CITIZEN, _HASH = (
    _COLUMNS.index(c) for c in ("citizen_id", "id", "key_id", "prev_hash", "event_id", "delta", "balance_after",
                                "event__citizen_id", "hash"))


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


def ledger_verify(*, citizen_ids=None, progress=None, checkpoint_dir=None, use_checkpoints: bool = True,
                  chunk_size: int = 10_000) -> VerifyReport:
    """Check every chain (or those of ``citizen_ids``) against every checkpoint in the store (unless
    ``use_checkpoints`` is false); ``progress(n)`` is called with the entries checked.

    The ledger is read once, in id order (the order it was written, so the table is read from end to
    end instead of once per group of citizens), keeping each citizen's running chain in memory.
    Reversals and withdrawals, which need other entries than the previous one, are checked by two
    queries of their own.
    """
    report = VerifyReport()
    expected = _checkpoint_expectations(report, checkpoint_dir) if use_checkpoints else {}
    citizens = Citizen.objects.values_list("pk", "resident_id", "score", "ledger_head")
    entries = LedgerEntry.objects.order_by("id").values_list(*_COLUMNS)
    if citizen_ids is not None:
        citizens, entries = citizens.filter(pk__in=citizen_ids), entries.filter(citizen_id__in=citizen_ids)
    chains = {pk: _Chain(pk, resident, score, head, expected.pop(pk, [])) for pk, resident, score, head in citizens}
    report.citizens = len(chains)
    done = 0
    for row in entries.iterator(chunk_size=chunk_size):
        chain = chains.get(row[_CITIZEN])
        if chain is None:
            chain = chains[row[_CITIZEN]] = _Chain(row[_CITIZEN], "", None, None, [], registered=False)
        chain.add(row, report.breaks)
        done += 1
        if progress and done % chunk_size == 0:
            progress(chunk_size)
    if progress:
        progress(done % chunk_size)
    report.entries = done
    for chain in chains.values():
        chain.close(report.breaks)
    report.breaks.extend(_reversal_breaks(chains, citizen_ids))
    report.breaks.extend(_withdrawal_breaks(chains, citizen_ids))
    if citizen_ids is None:
        report.breaks.extend(_vanished(expected))
    return report


class _Chain:
    """One citizen's chain as it is read, entry by entry."""

    __slots__ = ("citizen_id", "resident_id", "score", "head", "expected", "registered", "previous", "balance",
                 "count", "next_expected", "checkpoint_reported")

    def __init__(self, citizen_id, resident_id, score, head, expected, *, registered=True):
        self.citizen_id, self.resident_id, self.score, self.head = citizen_id, resident_id, score, head
        self.expected, self.registered = expected, registered  # expected: [(seq, Leaf)] in checkpoint order
        self.previous, self.balance, self.count, self.next_expected = "", 0, 0, 0
        self.checkpoint_reported = False

    def broken(self, breaks, entry_id, kind, problem):
        breaks.append(ChainBreak(self.citizen_id, self.resident_id, entry_id, problem, kind))

    def add(self, row, breaks) -> None:
        entry_id = row[_ID]
        if not self.registered and self.count == 0:
            self.broken(breaks, entry_id, "orphan", _("the ledger has entries of citizen id %(id)s, who is not in "
                                                      "the register (the row was deleted)") % {"id": self.citizen_id})
        if row[_PREV] != self.previous:
            self.broken(breaks, entry_id, "prev_hash", _("prev_hash does not match the previous entry's hash "
                                                         "(an entry is missing or inserted)"))
        key_id = row[_KEY]
        if not keys.has_key(key_id):
            self.broken(breaks, entry_id, "hash", _(
                "hash is under key %(key)r, which is not configured (forged, or the key is missing from LEDGER_KEYS)"
            ) % {"key": key_id})
        elif row[_HASH] != keys.mac(key_id, hash_message(key_id, row[_PREV], self.resident_id, *row[_EVENT:_HASH])):
            self.broken(breaks, entry_id, "hash", _("hash does not match the entry's content or its event's (the "
                                                    "entry or the event was changed, or the entry forged)"))
        if row[_EVENT_CITIZEN] != self.citizen_id:
            self.broken(breaks, entry_id, "event", _("the entry's event belongs to citizen id %(other)s")
                        % {"other": row[_EVENT_CITIZEN]})
        self.balance += row[_DELTA]
        if row[_BALANCE] != self.balance:
            self.broken(breaks, entry_id, "balance_after", _(
                "balance_after is %(stored)s, the running sum of deltas is %(sum)s"
            ) % {"stored": row[_BALANCE], "sum": self.balance})
        self.count += 1
        self.previous = row[_HASH]
        if self.next_expected < len(self.expected):
            self._check_checkpoints(row, breaks)

    def _check_checkpoints(self, row, breaks) -> None:
        """The chain must hold, at each checkpoint's length, the head that checkpoint signed; the earliest
        checkpoint it contradicts is reported (the last moment it was known good is before)."""
        while self.next_expected < len(self.expected) and self.expected[self.next_expected][1].count == self.count:
            seq, leaf = self.expected[self.next_expected]
            self.next_expected += 1
            if self.checkpoint_reported or (row[_ID] == leaf.head_id and row[_HASH] == leaf.head_hash):
                continue
            self.checkpoint_reported = True
            self.broken(breaks, row[_ID], "checkpoint-rewritten", _(
                "checkpoint %(seq)s recorded entry %(entry)s as entry number %(count)s with hash %(hash)s; the "
                "ledger has entry %(now)s with hash %(now_hash)s there (history was rewritten)"
            ) % {"seq": seq, "entry": leaf.head_id, "count": leaf.count, "hash": leaf.head_hash[:16],
                 "now": row[_ID], "now_hash": row[_HASH][:16]})

    def close(self, breaks) -> None:
        """What can only be checked once the whole chain is read: the head, the score, the checkpoints'
        lengths."""
        if not self.registered:
            return
        if self.head != self.previous:
            self.broken(breaks, None, "ledger_head", _("ledger_head does not match the newest entry's hash (the "
                                                       "newest entries were removed or the chain was rewritten)"))
        expected_score = self.balance if self.count else None
        if self.score != expected_score:
            self.broken(breaks, None, "score", _("score is %(score)s, the sum of the ledger's deltas is %(sum)s")
                        % {"score": self.score, "sum": expected_score})
        if self.next_expected < len(self.expected) and not self.checkpoint_reported:
            seq, leaf = self.expected[self.next_expected]
            self.broken(breaks, leaf.head_id, "checkpoint-truncated", _(
                "checkpoint %(seq)s recorded %(count)s entries ending with entry %(entry)s; the ledger has "
                "%(now)s (the newest entries were deleted and the head rolled back)"
            ) % {"seq": seq, "count": leaf.count, "entry": leaf.head_id, "now": self.count})


def _query(sql: str, citizen_ids) -> list:
    table = connection.ops.quote_name(LedgerEntry._meta.db_table)
    events = connection.ops.quote_name(Event._meta.db_table)
    params = []
    if citizen_ids is not None:
        ids = [int(i) for i in citizen_ids] or [0]
        sql += f" AND e.citizen_id IN ({', '.join(['%s'] * len(ids))})"
        params = ids
    with connection.cursor() as cursor:
        cursor.execute(sql.format(ledger=table, events=events), params)
        return cursor.fetchall()


def _reversal_breaks(chains, citizen_ids) -> list:
    """Reversals that do not undo an earlier entry of the same citizen exactly."""
    rows = _query(
        "SELECT e.citizen_id, e.id, e.delta, e.reverses_id, t.id, t.citizen_id, t.delta FROM {ledger} e "
        "LEFT JOIN {ledger} t ON t.id = e.reverses_id WHERE e.reverses_id IS NOT NULL "
        "AND (t.id IS NULL OR t.citizen_id <> e.citizen_id OR t.id >= e.id OR t.delta <> -e.delta)", citizen_ids)
    breaks = []
    for citizen_id, entry_id, delta, reverses, target, target_citizen, target_delta in rows:
        resident = chains[citizen_id].resident_id if citizen_id in chains else ""
        if target is None or target_citizen != citizen_id or target >= entry_id:
            problem = _("reverses entry %(target)s, which is not an earlier entry of this citizen") % {
                "target": reverses}
        else:
            problem = _("reverses entry %(target)s (%(old)+d) with %(new)+d, not exactly") % {
                "target": target, "old": target_delta, "new": delta}
        breaks.append(ChainBreak(citizen_id, resident, entry_id, problem, "reversal"))
    return breaks


def _withdrawal_breaks(chains, citizen_ids) -> list:
    """A retracted or voided event's points must have been reversed: every entry of it that is not itself
    a reversal has one."""
    statuses = ", ".join(f"'{status}'" for status in sorted(WITHDRAWN))
    rows = _query(
        "SELECT e.citizen_id, e.id, e.event_id, v.status FROM {ledger} e JOIN {events} v ON v.id = e.event_id "
        f"WHERE v.status IN ({statuses}) AND e.reverses_id IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM {ledger} r WHERE r.reverses_id = e.id)", citizen_ids)
    return [ChainBreak(citizen_id, chains[citizen_id].resident_id if citizen_id in chains else "", entry_id, _(
        "event %(event)s is %(status)s but this entry of it was never reversed: its points still count"
    ) % {"event": event_id, "status": status}, "withdrawal") for citizen_id, entry_id, event_id, status in rows]


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
