"""Replaying events through the real scoring code, in memory and without writing anything.

One citizen at a time, events in the order they were reported: each event is planned by
``points.scoring.plan`` (conditions, effective dates, caps, floor and ceiling,
expiry dates) on an unsaved copy of the citizen. Policy tests, simulations and the
retroactive re-scoring all use ``replay``, so they cannot disagree with live scoring.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from django.utils import timezone

from citizens.models import Citizen
from points.models import Event
from points.scoring import CapCounts, plan
from rules.answers import _typed
from rules.errors import AttributeValidationError, UnknownEventTypeError

SCORED, KEPT, UNSCORABLE = "scored", "kept", "unscorable"


class Planned(NamedTuple):
    """One ledger entry the policy would write for an event."""

    rule_id: str
    rule_title: str
    delta: int
    expires_on: dt.date | None


class StoredEvent(NamedTuple):
    """An event as reported, with the (rule id, delta) of the rule entries it got when stored."""

    id: int | None
    event_type: str
    occurred_at: dt.datetime
    attributes: Mapping
    stored: tuple[tuple[str, int], ...] = ()


class Outcome(NamedTuple):
    """What replaying one event gave.

    ``status`` is ``scored`` (planned under the policy), ``kept`` (before ``since``: its stored
    entries stand) or ``unscorable`` (the policy no longer accepts its type or attributes: its
    stored entries stand, and ``problem`` says why).
    """

    event: StoredEvent
    status: str
    planned: tuple[Planned, ...]
    score_after: int
    grade_after: str
    problem: str = ""

    @property
    def deltas(self) -> list[tuple[str, int]]:
        """(rule id, delta) pairs this event counts for after the replay."""
        if self.status == SCORED:
            return [(p.rule_id, p.delta) for p in self.planned]
        return list(self.event.stored)

    @property
    def changed(self) -> bool:
        """True when the policy gives this event other entries than it has."""
        return self.status == SCORED and sorted(self.deltas) != sorted(self.event.stored)


class _RuleRef(NamedTuple):
    id: str


def scratch_citizen(*, pk=None, resident_id="", birth_date: dt.date, sex: str, district: str, score: int,
                    policy, enrolled_at: dt.datetime | None = None) -> Citizen:
    """An unsaved, active, enrolled citizen with ``score`` points, graded by ``policy``.

    Only active citizens can be scored, so every replayed event saw an active citizen.
    """
    return Citizen(
        pk=pk, resident_id=resident_id, birth_date=birth_date, sex=sex, district=district,
        status=Citizen.Status.ACTIVE.value, score=score, grade=policy.grade_for(score),
        enrolled_at=enrolled_at or timezone.now(),
    )


def replay(*, citizen: Citizen, events: Iterable[StoredEvent], policy, since: dt.date | None = None,
           at: dt.datetime | None = None) -> list[Outcome]:
    """Outcomes of ``events`` (in report order) for ``citizen``, whose score is the balance before them.

    ``citizen`` is changed in place (score, grade): pass a scratch copy, never a saved row.
    """
    at = at or timezone.now()
    zone = timezone.get_current_timezone()
    caps = CapCounts([])
    placeholder = Event(citizen=citizen)
    outcomes = []
    for event in events:
        day = event.occurred_at.astimezone(zone).date()
        status, planned, problem = KEPT, (), ""
        if since is None or day >= since:
            try:
                attributes = policy.validate_attributes(event.event_type, event.attributes)
            except (AttributeValidationError, UnknownEventTypeError) as exc:
                status, problem = UNSCORABLE, _problem(event, exc)
            else:
                status = SCORED
                planned = _plan(citizen, placeholder, event, attributes, policy, at, caps)
        if status != SCORED:
            _keep(citizen, event, caps, day)
        citizen.grade = policy.grade_for(citizen.score)
        outcomes.append(Outcome(event, status, planned, citizen.score, citizen.grade, problem))
    return outcomes


def _plan(citizen, placeholder: Event, event: StoredEvent, attributes, policy, at, caps) -> tuple[Planned, ...]:
    placeholder.pk, placeholder.event_type, placeholder.occurred_at = event.id, event.event_type, event.occurred_at
    entries = plan_rule_entries(citizen=citizen, event=placeholder, attributes=attributes, policy=policy, at=at,
                                caps=caps)
    return tuple(Planned(e.rule_id, e.rule_title, e.delta, e.expires_on) for e in entries)


def _keep(citizen, event: StoredEvent, caps: CapCounts, day: dt.date) -> None:
    """The event's stored entries stand: they move the score and count towards caps."""
    for rule_id, delta in event.stored:
        citizen.score += delta
        caps.add(citizen.pk, _RuleRef(rule_id), day)


def _problem(event: StoredEvent, exc: Exception) -> str:
    if isinstance(exc, UnknownEventTypeError):
        return f"event type '{event.event_type}' is not in the policy"
    return f"attributes no longer valid: {exc}"


# --- faster validation for replaying many events --------------------------------------------


class CachedEvaluation:
    """A policy whose ``validate_attributes`` remembers cleaned attribute sets seen before.

    The engine's answers are remembered by the policy itself (``Policy.matching_rules``,
    ``rules.answers``); everything else is the policy's own.
    """

    MAX_ENTRIES = 50_000

    def __init__(self, policy):
        self._policy = policy
        # Read on every event by plan_rule_entries: plain attributes, not __getattr__.
        self.version, self.floor, self.ceiling = policy.version, policy.floor, policy.ceiling
        self.matching_rules = policy.matching_rules
        self._cleaned: dict = {}

    def __getattr__(self, name):
        return getattr(self._policy, name)

    def validate_attributes(self, event_type, attributes):
        """The policy's cleaned attributes, remembered for attribute sets seen before (shared: never mutate)."""
        try:
            key = (event_type, tuple((k, _typed(v)) for k, v in attributes.items()))
            hash(key)
        except TypeError:  # an unhashable value: the policy will say what is wrong with it
            return self._policy.validate_attributes(event_type, attributes)
        cleaned = self._cleaned.get(key)
        if cleaned is None:
            if len(self._cleaned) >= self.MAX_ENTRIES:
                self._cleaned.clear()
            cleaned = self._cleaned[key] = self._policy.validate_attributes(event_type, attributes)
        return cleaned


def plan_rule_entries(*, citizen, event, attributes, policy, at, caps, tz=None) -> list:
    """``scoring.plan`` for ``event``, moving the (scratch) citizen's score by what it earns."""
    planned = plan(citizen=citizen, event_type=event.event_type, occurred_at=event.occurred_at,
                   attributes=attributes, policy=policy, caps=caps, tz=tz)
    citizen.score += sum(p.delta for p in planned)
    return planned
