"""Scoring: what a report is worth. Pure planning, no writes.

``plan`` gives the entries a report earns under the policy: every rule in force on the day the event
occurred whose condition matches, skipped once its cap is reached, each delta bounded by the policy's
floor and ceiling. It reads the citizen (facts, score) and the cap counts and changes neither the
citizen nor the database; ``points.writer`` turns the plan into ledger entries. ``CapCounts.load``
reads how often capped rules already counted; ``CapMemo`` remembers those counts between batches.
"""
import datetime
from collections import Counter, defaultdict
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from points.models import LedgerEntry
from rules.values import age_on


class Planned(NamedTuple):
    """One entry a report earns: the rule, its bounded points, and when they stop counting."""

    rule_id: str
    rule_title: str
    delta: int
    expires_on: datetime.date | None


def citizen_facts(citizen, day: datetime.date) -> dict:
    """The citizen's own record as rules may read it (``citizen.*``)."""
    return {
        "age": age_on(citizen.birth_date, day),
        "district": citizen.district,
        "sex": citizen.sex,
        "score": citizen.score,
        "grade": citizen.grade,
        "status": citizen.status,
    }


def plan(*, citizen, event_type: str, occurred_at: datetime.datetime, attributes: dict, policy, caps,
         tz=None) -> list[Planned]:
    """The entries the report earns, in rule order; ``caps`` counts the capped ones it uses.

    ``tz``: the current time zone, if the caller already has it.
    """
    occurred_on = timezone.localdate(occurred_at, tz)
    matched = policy.matching_rules(event_type, attributes, citizen_facts(citizen, occurred_on), occurred_on)
    score, planned = citizen.score or 0, []
    for rule in matched:
        if rule.cap and caps.reached(citizen.pk, rule, occurred_on):
            continue
        delta = bounded_delta(policy, score, rule.points_for(attributes))
        if delta == 0:
            continue
        if rule.cap:
            caps.add(citizen.pk, rule, occurred_on)
        score += delta
        planned.append(Planned(rule.id, rule.title, delta, expiry_date(rule, occurred_on)))
    return planned


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


def any_capped(policy, event_types) -> bool:
    """Whether a rule of one of these event types has a cap."""
    return any(rule.cap and rule.event_type in event_types for rule in policy.rules.values())


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
    write by anyone else (an appeal, expiry, another process, a rolled-back batch) moves or
    misses it and the counts are read again. It saves each batch the one query that grows with
    the ledger: the rows of every capped rule of the batch's people.
    """

    MAX_CITIZENS = 500_000  # beyond that it starts afresh

    def __init__(self, policy_version: str):
        self.policy_version = policy_version
        self._heads: dict = {}

    def load(self, citizens, policy) -> CapCounts:
        """``CapCounts`` for these locked citizens: remembered where the head still matches, else read.

        Remembered counts are taken out of the memo, not copied: the batch counts on from them and
        ``remember`` puts them back once it commits; after a rollback they are read again.
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
