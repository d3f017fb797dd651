"""Low-level ledger writes, called by ``points.services`` inside a transaction
that already holds the citizen's row lock. Nothing else should call these.
"""
import datetime
from collections import Counter, defaultdict

from django.db import transaction
from django.utils import timezone

from citizens.models import Citizen
from points import bulk, keys, recorded_versions
from points.models import GradeChange, LedgerEntry
from points.signals import standings_changing
from rules.models import PolicyVersion
from rules.values import age_on


def record_policy_version(policy) -> None:
    """Make sure the exact policy files behind a ledger entry are stored.

    One query per process and version, not per report: ``points.recorded_versions`` remembers
    the versions whose row this process has seen committed.
    """
    if recorded_versions.is_known(policy.version):
        return
    PolicyVersion.objects.get_or_create(
        hash=policy.version, defaults={"files": dict(policy.files), "source": str(policy.directory or "")}
    )
    recorded_versions.remember_after_commit(policy.version)


def citizen_facts(citizen: Citizen, day: datetime.date) -> dict:
    """The citizen's own record as rules may read it (``citizen.*``)."""
    return {
        "age": age_on(citizen.birth_date, day),
        "district": citizen.district,
        "sex": citizen.sex,
        "score": citizen.score,
        "grade": citizen.grade,
        "status": citizen.status,
    }


def new_entry(*, citizen, event, rule_id, rule_title, policy_version, delta, kind, at, reverses=None,
              reason="", expires_on=None) -> LedgerEntry:
    """An unsaved entry chained to the citizen's last one; moves the (locked, in-memory)
    citizen's score by ``delta`` and the chain's head to the new entry."""
    citizen.score = (citizen.score or 0) + delta
    entry = bulk.build(
        LedgerEntry, citizen=citizen, event=event, rule_id=rule_id, rule_title=rule_title,
        policy_version=policy_version, kind=kind, delta=delta, balance_after=citizen.score, reverses=reverses,
        reason=reason, expires_on=expires_on, created_at=at, prev_hash=citizen.ledger_head,
        key_id=keys.current_key_id(),
    )
    entry.hash = citizen.ledger_head = entry.compute_hash(citizen.resident_id)
    return entry


def append(**kwargs) -> LedgerEntry:
    """Write one entry (see ``new_entry``)."""
    entry = new_entry(**kwargs)
    entry.save()
    return entry


def apply_rules(*, citizen, event, attributes, policy, at) -> list:
    """Apply every rule the event matches, honouring caps and the floor/ceiling."""
    caps = CapCounts.load(citizen_ids=[citizen.pk], policy=policy, event_types={event.event_type})
    entries = plan_rule_entries(citizen=citizen, event=event, attributes=attributes, policy=policy, at=at,
                                caps=caps)
    return LedgerEntry.objects.bulk_create(entries)


def plan_rule_entries(*, citizen, event, attributes, policy, at, caps, tz=None) -> list:
    """Unsaved entries for every matching rule in force on the day the event occurred.

    ``tz``: the current time zone, if the caller already has it (the bulk path asks once a batch).
    """
    occurred_on = timezone.localdate(event.occurred_at, tz)
    matched = policy.matching_rules(event.event_type, attributes, citizen_facts(citizen, occurred_on), occurred_on)
    entries = []
    for rule in matched:
        if rule.cap and caps.reached(citizen.pk, rule, occurred_on):
            continue
        delta = bounded_delta(policy, citizen.score, rule.points_for(attributes))
        if delta == 0:
            continue
        if rule.cap:
            caps.add(citizen.pk, rule, occurred_on)
        entries.append(new_entry(
            citizen=citizen, event=event, rule_id=rule.id, rule_title=rule.title,
            policy_version=policy.version, delta=delta, kind=LedgerEntry.Kind.RULE, at=at,
            expires_on=expiry_date(rule, occurred_on),
        ))
    return entries


class CapCounts:
    """How often each capped rule already counted for some citizens, per period.

    Loaded with one query for a whole batch, then kept current in memory as
    the batch is planned.
    """

    def __init__(self, occurrences=()):
        self._by_citizen = defaultdict(Counter)
        for citizen_id, rule_id, day in occurrences:
            self._by_citizen[citizen_id].update(self._keys(rule_id, day))

    @classmethod
    def load(cls, *, citizen_ids, policy, event_types=None) -> "CapCounts":
        """Counts for the capped rules of ``event_types`` (all types if None); no query if none is capped."""
        capped = [rule.id for rule in policy.rules.values()
                  if rule.cap and (event_types is None or rule.event_type in event_types)]
        if not capped or not citizen_ids:
            return cls()
        rows = LedgerEntry.objects.filter(
            citizen_id__any=citizen_ids, rule_id__any=capped, kind=LedgerEntry.Kind.RULE, reversed_by__isnull=True
        ).order_by().values_list("citizen_id", "rule_id", "event__occurred_at")  # the default order joins citizens
        tz = timezone.get_current_timezone()
        return cls((cid, rid, timezone.localdate(when, tz)) for cid, rid, when in rows)

    @staticmethod
    def _keys(rule_id, day):
        return [(rule_id, "lifetime"), (rule_id, "year", day.year), (rule_id, "month", day.year, day.month)]

    def _key(self, rule, day):
        keys = self._keys(rule.id, day)
        return {"lifetime": keys[0], "year": keys[1], "month": keys[2]}[rule.cap.per]

    def reached(self, citizen_id, rule, day) -> bool:
        return self._by_citizen[citizen_id][self._key(rule, day)] >= rule.cap.count

    def add(self, citizen_id, rule, day) -> None:
        self._by_citizen[citizen_id].update(self._keys(rule.id, day))

    def release(self, citizen_id) -> Counter:
        """Hand one citizen's counts over (not copied): this object forgets them."""
        return self._by_citizen.pop(citizen_id, None) or Counter()

    def adopt(self, citizen_id, counts: Counter) -> None:
        """Count on from ``counts`` for this citizen (not copied: the caller hands them over)."""
        self._by_citizen[citizen_id] = counts


class CapMemo:
    """Cap counts of the citizens this process wrote for, remembered with their ledger head.

    A citizen's counts change only with a new ledger entry of theirs, and every entry moves the
    citizen's ``ledger_head`` (the last hash of their chain). Counts remembered with the head
    they belong to are therefore exact for as long as the locked row still shows that head; a
    write by anyone else (the API, an appeal, expiry, another process, a rolled-back batch) moves
    or misses it and the counts are read again. It saves the bulk path its one growing query:
    the ledger rows of every capped rule of the batch's people (``bench/ingest.py``).
    """

    MAX_CITIZENS = 500_000  # beyond that it starts afresh

    def __init__(self, policy_version: str):
        self.policy_version = policy_version
        self._heads: dict = {}

    def load(self, citizens, policy) -> CapCounts:
        """``CapCounts`` for these locked citizens: remembered where the head still matches, else read.

        Remembered counts are taken out of the memo, not copied (copies cost ~5 µs a report): the
        batch counts on from them and ``remember`` puts them back once it commits; after a rollback
        they are read again.
        """
        known = {}
        for citizen in citizens:
            item = self._heads.pop(citizen.pk, None)  # one atomic step: another thread may clear
            if item is not None and item[0] == citizen.ledger_head:
                known[citizen.pk] = item[1]
        caps = CapCounts.load(citizen_ids=[c.pk for c in citizens if c.pk not in known], policy=policy)
        for citizen_id, counts in known.items():
            caps.adopt(citizen_id, counts)
        return caps

    def remember(self, citizens, caps: CapCounts) -> None:
        """Keep these citizens' counts with the head their planned entries moved them to, once committed.

        Only committed heads are kept: a batch rolled back never happened, whatever its entries' hashes.
        ``caps`` hands the counts over and must not be used for these citizens afterwards.
        """
        planned = [(citizen.pk, citizen.ledger_head, caps.release(citizen.pk)) for citizen in citizens]
        transaction.on_commit(lambda: self._keep(planned))

    def _keep(self, planned) -> None:
        if len(self._heads) >= self.MAX_CITIZENS:
            self._heads.clear()
        for citizen_id, head, counts in planned:
            self._heads[citizen_id] = (head, counts)


_cap_memo = CapMemo("")


def cap_memo(policy) -> CapMemo:
    """This process's ``CapMemo`` for ``policy`` (a new policy version starts a new one)."""
    global _cap_memo
    if _cap_memo.policy_version != policy.version:
        _cap_memo = CapMemo(policy.version)
    return _cap_memo


def bounded_delta(policy, score: int, delta: int) -> int:
    """The part of ``delta`` that keeps the score within the policy's floor and ceiling.

    A score already outside the bounds (after an exact reversal) is never pushed further out
    and never pulled back by a rule of the opposite sign.
    """
    if delta > 0 and policy.ceiling is not None:
        return max(0, min(delta, policy.ceiling - score))
    if delta < 0 and policy.floor is not None:
        return min(0, max(delta, policy.floor - score))
    return delta


def expiry_date(rule, occurred_on: datetime.date):
    """When the entry stops counting (rehabilitation), or None if it never expires."""
    if not getattr(rule, "expires_after", None):
        return None
    return rule.expires_after.after(occurred_on)


def counting_entries(event):
    """The event's entries whose points count now: its rule entries, reinstatements and lifts not undone."""
    return event.entries.filter(kind__in=LedgerEntry.COUNTING_KINDS, reversed_by__isnull=True).order_by("id")


def reverse_event(*, citizen, event, reason, at, kind=LedgerEntry.Kind.REVERSAL) -> list:
    """An entry of ``kind`` undoing every entry of the event that still counts."""
    return [reverse_entry(citizen=citizen, entry=entry, reason=reason, at=at, kind=kind)
            for entry in counting_entries(event)]


def reverse_entry(*, citizen, entry, reason, at, kind=LedgerEntry.Kind.REVERSAL, event=None,
                  expires_on=None) -> LedgerEntry:
    """Undo one entry exactly: reversals are never clamped, so the sum of deltas stays the score.

    ``event``: the event the undoing entry belongs to (default: the undone entry's; a lift belongs
    to the lifting event). ``expires_on``: a reinstated deduction still expires when it would have.
    """
    return append(
        citizen=citizen, event=event or entry.event, rule_id=entry.rule_id, rule_title=entry.rule_title,
        policy_version=entry.policy_version, delta=-entry.delta, kind=kind, at=at, reverses=entry, reason=reason,
        expires_on=expires_on,
    )


STANDING_FIELDS = ("score", "grade", "grade_changed_at", "enrolled_at", "ledger_head")


def save_standings(*, changes, policy, at) -> None:
    """Store new scores and grades for ``(citizen, new_entries)`` pairs, in the order they happened.

    A citizen may appear in several pairs (a batch); each grade transition is
    recorded with the entry that caused it. Sends ``standings_changing`` first (notices).
    """
    standings_changing.send(sender=LedgerEntry, changes=changes, policy=policy, at=at)
    grade_changes, touched = [], {}
    for citizen, entries in changes:
        if not entries:
            continue
        touched[citizen.pk] = citizen
        score = entries[-1].balance_after
        grade = policy.grade_for(score)
        if grade != citizen.grade:
            grade_changes.append(bulk.build(
                GradeChange, citizen=citizen, from_grade=citizen.grade, to_grade=grade, score=score,
                entry=entries[-1], changed_at=at,
            ))
            citizen.grade, citizen.grade_changed_at = grade, at
    # Django's bulk_update builds a CASE per field whose cost grows with the batch:
    # 2.5 s for a thousand citizens against ~0.05 s here (bench/ingest.py, PostgreSQL).
    bulk.update_fields(Citizen, touched.values(), STANDING_FIELDS)
    bulk.insert_all(GradeChange, grade_changes)

