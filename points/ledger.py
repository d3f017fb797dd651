"""Low-level ledger writes, called by ``points.services`` inside a transaction
that already holds the citizen's row lock. Nothing else should call these.
"""
import datetime

from django.utils import timezone

from citizens.models import Citizen
from points.models import GradeChange, LedgerEntry
from rules.models import PolicyVersion


def record_policy_version(policy) -> None:
    """Make sure the exact policy files behind a ledger entry are stored."""
    PolicyVersion.objects.get_or_create(
        hash=policy.version, defaults={"files": policy.files, "source": str(policy.directory or "")}
    )


def citizen_facts(citizen: Citizen, day: datetime.date) -> dict:
    """The citizen's own record as rules may read it (``citizen.*``)."""
    from points.services import age_on

    return {
        "age": age_on(citizen.birth_date, day),
        "district": citizen.district,
        "sex": citizen.sex,
        "score": citizen.score,
        "grade": citizen.grade,
        "status": citizen.status,
    }


def append(*, citizen, event, rule_id, rule_title, policy, delta, kind, at, reverses=None, reason="",
           expires_on=None) -> LedgerEntry:
    """Write one entry and move the (locked, in-memory) citizen's score by ``delta``."""
    citizen.score = (citizen.score or 0) + delta
    return LedgerEntry.objects.create(
        citizen=citizen, event=event, rule_id=rule_id, rule_title=rule_title,
        policy_version=policy.version if policy else reverses.policy_version, kind=kind, delta=delta,
        balance_after=citizen.score, reverses=reverses, reason=reason, expires_on=expires_on, created_at=at,
    )


def apply_rules(*, citizen, event, attributes, policy, at) -> list:
    """Apply every rule the event matches, honouring caps and the floor/ceiling."""
    occurred_on = timezone.localdate(event.occurred_at)
    matched = policy.evaluate(event.event_type, attributes, citizen_facts(citizen, occurred_on), occurred_on)
    entries = []
    for rule in matched:
        if rule.cap and cap_reached(citizen, rule, occurred_on):
            continue
        delta = bounded_delta(policy, citizen.score, rule.points_for(attributes))
        if delta == 0:
            continue
        entries.append(append(
            citizen=citizen, event=event, rule_id=rule.id, rule_title=rule.title, policy=policy, delta=delta,
            kind=LedgerEntry.Kind.RULE, at=at, expires_on=expiry_date(rule, occurred_on),
        ))
    return entries


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


def cap_reached(citizen, rule, occurred_on: datetime.date) -> bool:
    """Whether the rule already counted ``cap.count`` times for this citizen in the period."""
    live = LedgerEntry.objects.filter(
        citizen=citizen, rule_id=rule.id, kind=LedgerEntry.Kind.RULE, reversed_by__isnull=True
    )
    if rule.cap.per == "year":
        live = live.filter(event__occurred_at__year=occurred_on.year)
    elif rule.cap.per == "month":
        live = live.filter(event__occurred_at__year=occurred_on.year, event__occurred_at__month=occurred_on.month)
    return live.count() >= rule.cap.count


def expiry_date(rule, occurred_on: datetime.date):
    """When the entry stops counting (rehabilitation), or None if it never expires."""
    if not getattr(rule, "expires_after", None):
        return None
    return rule.expires_after.after(occurred_on)


def reverse_event(*, citizen, event, reason, at) -> list:
    """A reversal entry for every entry of the event that still counts."""
    live = event.entries.filter(reverses__isnull=True, reversed_by__isnull=True).order_by("id")
    return [reverse_entry(citizen=citizen, entry=entry, reason=reason, at=at) for entry in live]


def reverse_entry(*, citizen, entry, reason, at, kind=LedgerEntry.Kind.REVERSAL) -> LedgerEntry:
    """Undo one entry exactly: reversals are never clamped, so the sum of deltas stays the score."""
    return append(
        citizen=citizen, event=entry.event, rule_id=entry.rule_id, rule_title=entry.rule_title, policy=None,
        delta=-entry.delta, kind=kind, at=at, reverses=entry, reason=reason,
    )


def save_standing(*, citizen, policy, entries, at) -> None:
    """Store the citizen's new score and grade; record a grade change with its cause."""
    if not entries and citizen.grade:
        return
    grade = policy.grade_for(citizen.score)
    changes = {"score": citizen.score, "enrolled_at": citizen.enrolled_at}
    if grade != citizen.grade:
        GradeChange.objects.create(
            citizen=citizen, from_grade=citizen.grade, to_grade=grade, score=citizen.score,
            entry=entries[-1], changed_at=at,
        )
        citizen.grade, citizen.grade_changed_at = grade, at
        changes.update(grade=grade, grade_changed_at=at)
    Citizen.objects.filter(pk=citizen.pk).update(**changes)
