"""Remembered answers of the rules engine.

Which rules match an event depends only on its type, on the fields that type's conditions
read (event attributes and the citizen's own facts) and on which of its rules are in force
that day. ``AnswerMemo`` keys durable-rules' answers on exactly those, so a stream of a
million reports asks the engine a few hundred distinct questions instead of a million.
Answers are pure functions of the key: a memo never goes stale, and a new policy version
gets a new memo with its ``Policy``. ``tests/policy/test_replay.py`` checks, on generated
policies and events, that remembered answers are the engine's answers.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING

from rules.ast import And, Node, Not, Or

if TYPE_CHECKING:
    from rules.policy import Policy, Rule


def condition_paths(node: Node | None) -> set[str]:
    """Every field path (``event.x``, ``citizen.y``) a condition reads."""
    if node is None:
        return set()
    if isinstance(node, (And, Or)):
        return set().union(*(condition_paths(item) for item in node.items))
    if isinstance(node, Not):
        return condition_paths(node.item)
    return {node.field.path}


class AnswerMemo:
    """The engine's answers for one policy, remembered by what the conditions read."""

    MAX_ENTRIES = 200_000  # distinct questions kept; beyond that the memo starts afresh

    def __init__(self, policy: Policy):
        self._policy = policy
        self._reads = {name: self._fields(policy, name) for name in policy.event_types}
        self._answers: dict = {}
        self._in_force: dict = {}

    @staticmethod
    def _fields(policy: Policy, event_type: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple]:
        rules = tuple(policy.rules_for(event_type))
        paths = set().union(*(condition_paths(r.condition) for r in rules)) if rules else set()
        event = tuple(sorted(p.split(".", 1)[1] for p in paths if p.startswith("event.")))
        person = tuple(sorted(p.split(".", 1)[1] for p in paths if p.startswith("citizen.")))
        return event, person, rules

    def matching_rules(self, event_type: str, attributes: Mapping, citizen_facts: Mapping,
                       occurred_on: dt.date) -> list[Rule]:
        """``Policy.evaluate``'s answer for validated attributes and facts (shared: never mutate it)."""
        reads = self._reads.get(event_type)
        if reads is None or type(occurred_on) is not dt.date:
            return self._policy.evaluate(event_type, attributes, citizen_facts, occurred_on)
        event_fields, person_fields, rules = reads
        key = (
            event_type,
            tuple(_typed(attributes.get(f)) for f in event_fields),
            tuple(_typed(citizen_facts.get(f)) for f in person_fields),
            self._rules_in_force(event_type, rules, occurred_on),
        )
        try:
            answer = self._answers.get(key)
        except TypeError:  # an unhashable value: only the engine can judge it
            return self._policy.evaluate(event_type, attributes, citizen_facts, occurred_on)
        if answer is None:
            if len(self._answers) >= self.MAX_ENTRIES:
                self._answers.clear()
            answer = self._answers[key] = self._policy.evaluate(event_type, attributes, citizen_facts, occurred_on)
        return answer

    def _rules_in_force(self, event_type: str, rules: tuple, day: dt.date) -> tuple[bool, ...]:
        key = (event_type, day)
        flags = self._in_force.get(key)
        if flags is None:
            flags = self._in_force[key] = tuple(r.in_force(day) for r in rules)
        return flags


def _typed(value) -> tuple:
    # True == 1 and 1 == 1.0 in Python; the engine may not agree, so the type is part of the key.
    return (value.__class__, value)
