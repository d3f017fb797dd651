"""The impact of a draft policy, accumulated citizen by citizen and mergeable across workers."""
from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field

from points.replay import KEPT, SCORED, UNSCORABLE, Outcome

LARGEST = 20
EXAMPLES = 10


@dataclass
class Impact:
    """Counts of a simulation; ``rules`` maps a rule id to [points now, points under the draft,
    entries now, entries under the draft] over the replayed events."""

    citizens: int = 0
    events: int = 0
    scored: int = 0
    kept: int = 0
    unscorable: int = 0
    events_changed: int = 0
    score_changed: int = 0
    grade_changed: int = 0
    points_now: int = 0
    points_draft: int = 0
    transitions: Counter = field(default_factory=Counter)
    rules: dict = field(default_factory=dict)
    largest: list = field(default_factory=list)  # [abs change, citizen id, resident id, score, new, grade, new]
    examples: list = field(default_factory=list)  # [event id, why it cannot be scored]

    def add_outcomes(self, outcomes: list[Outcome]) -> int:
        """Count one citizen's replayed events; returns how much their score changes."""
        change = 0
        for outcome in outcomes:
            self.events += 1
            if outcome.status == KEPT:
                self.kept += 1
                continue
            if outcome.status == UNSCORABLE:
                self.unscorable += 1
                if len(self.examples) < EXAMPLES:
                    self.examples.append([outcome.event.id, outcome.problem])
                continue
            self.scored += 1
            change += self._add_scored(outcome)
        return change

    def _add_scored(self, outcome: Outcome) -> int:
        assert outcome.status == SCORED
        self.events_changed += outcome.changed
        before = after = 0
        for rule_id, delta in outcome.event.stored:
            self._rule(rule_id, delta, 0)
            before += delta
        for planned in outcome.planned:
            self._rule(planned.rule_id, 0, planned.delta)
            after += planned.delta
        return after - before

    def _rule(self, rule_id: str, now: int, draft: int) -> None:
        row = self.rules.setdefault(rule_id, [0, 0, 0, 0])
        row[0] += now
        row[1] += draft
        row[2] += bool(now)
        row[3] += bool(draft)

    def add_citizen(self, *, citizen_id: int, resident_id: str, score: int, grade: str, new_score: int,
                    new_grade: str) -> None:
        self.citizens += 1
        self.points_now += score
        self.points_draft += new_score
        self.transitions[f"{grade}>{new_grade}"] += 1
        self.grade_changed += grade != new_grade
        if new_score != score:
            self.score_changed += 1
            row = [abs(new_score - score), citizen_id, resident_id, score, new_score, grade, new_grade]
            if len(self.largest) < LARGEST:
                heapq.heappush(self.largest, row)
            else:
                heapq.heappushpop(self.largest, row)

    def merge(self, other: Impact) -> Impact:
        for name in ("citizens", "events", "scored", "kept", "unscorable", "events_changed", "score_changed",
                     "grade_changed", "points_now", "points_draft"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.transitions.update(other.transitions)
        for rule_id, row in other.rules.items():
            mine = self.rules.setdefault(rule_id, [0, 0, 0, 0])
            for index, value in enumerate(row):
                mine[index] += value
        self.largest = heapq.nlargest(LARGEST, self.largest + other.largest)
        heapq.heapify(self.largest)
        self.examples = (self.examples + other.examples)[:EXAMPLES]
        return self

    def largest_changes(self) -> list[list]:
        """The biggest individual score changes, biggest first."""
        return sorted(self.largest, key=lambda row: (-row[0], row[1]))

    def matrix(self) -> dict[tuple[str, str], int]:
        return {tuple(key.split(">")): count for key, count in self.transitions.items()}

    def as_json(self) -> dict:
        data = {k: v for k, v in self.__dict__.items()}
        data["transitions"] = dict(self.transitions)
        data["largest"] = self.largest_changes()
        return data

    @classmethod
    def from_json(cls, data: dict) -> Impact:
        impact = cls(**{**data, "transitions": Counter(data.get("transitions", {}))})
        heapq.heapify(impact.largest)
        return impact
