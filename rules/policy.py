"""The loaded policy: event types, rules, grades and services, as immutable data.

A Policy is built only by ``rules.loader``; everything in it has been checked.
"""
from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from rules.answers import AnswerMemo
from rules.ast import Node
from rules.attributes import validate_attributes as _validate_attributes
from rules.calendar import due_date
from rules.engine import DurableEngine
from rules.errors import Problem, UnknownEventTypeError
from rules.texts import Text, TextMap
from rules.values import Duration

DECISIONS = ("priority", "allowed", "review", "denied")
CAP_PERIODS = ("year", "month", "lifetime")


def _texts(obj, *names: str) -> None:
    """Accept plain strings for text fields (one text for every language)."""
    for name in names:
        object.__setattr__(obj, name, Text.of(getattr(obj, name)))


class Source(NamedTuple):
    """Where something is written in the policy files; ``str()`` gives 'services.yaml:42'."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class AttributeSpec:
    """One attribute an event of some type carries."""

    name: str
    type: str  # int, float, str, bool or date
    required: bool = False
    choices: tuple | None = None
    min: int | float | None = None
    max: int | float | None = None
    description_text: Text = Text()
    label_text: Text = Text()  # what forms and screens call it; its name made readable when not given

    def __post_init__(self):
        _texts(self, "description_text", "label_text")

    @property
    def label(self) -> str:
        return self.label_text.get() or self.name.replace("_", " ").capitalize()

    @property
    def description(self) -> str:
        return self.description_text.get()


@dataclass(frozen=True)
class EventType:
    """A kind of event an agency (or, if ``system``, only the system) can report."""

    name: str
    title_text: Text
    description_text: Text
    reported_by: tuple[str, ...]
    attributes: Mapping[str, AttributeSpec]
    system: bool = False
    file: str = ""
    line: int = 0
    lifts: Lift | None = None

    def __post_init__(self):
        _texts(self, "title_text", "description_text")

    @property
    def title(self) -> str:
        """The title in the active language (``rules.texts``)."""
        return self.title_text.get()

    @property
    def description(self) -> str:
        return self.description_text.get()


@dataclass(frozen=True)
class Lift:
    """An event of this type fulfils an obligation: it ends the deduction of an ``event_type`` event
    as of the day in its date attribute (``judgment_satisfied`` lifts ``unpaid_court_judgment``)."""

    event_type: str
    date_attribute: str


@dataclass(frozen=True)
class Cap:
    """At most ``count`` applications of a rule per citizen per year, month or lifetime."""

    count: int
    per: str


@dataclass(frozen=True)
class Rule:
    """A scoring rule: when an event of ``event_type`` satisfies ``when``, add ``points``."""

    id: str
    title_text: Text
    explanation_text: Text
    event_type: str
    when: str | None
    condition: Node | None
    points: int | str  # an int, or a reference 'event.<int attribute>'
    cap: Cap | None
    effective_from: dt.date | None
    effective_to: dt.date | None  # inclusive
    legal_basis_text: Text
    expires_after: Duration | None
    file: str
    line: int

    def __post_init__(self):
        _texts(self, "title_text", "explanation_text", "legal_basis_text")

    @property
    def title(self) -> str:
        """The title in the active language (``rules.texts``); so are the explanation and legal basis."""
        return self.title_text.get()

    @property
    def explanation(self) -> str:
        return self.explanation_text.get()

    @property
    def legal_basis(self) -> str:
        return self.legal_basis_text.get()

    def points_for(self, attributes: Mapping[str, object]) -> int:
        """The points this rule gives for an event with these (validated) attributes."""
        if isinstance(self.points, int):
            return self.points
        return int(attributes[self.points.split(".", 1)[1]])

    def in_force(self, day: dt.date) -> bool:
        return (self.effective_from is None or self.effective_from <= day) and (
            self.effective_to is None or day <= self.effective_to
        )

    @property
    def source(self) -> Source:
        return Source(self.file, self.line)


@dataclass(frozen=True)
class GradeBand:
    """Scores from ``min`` to ``max`` inclusive (None: open end) have this grade."""

    grade: str
    min: int | None
    max: int | None
    file: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)

    def contains(self, score: int) -> bool:
        return (self.min is None or score >= self.min) and (self.max is None or score <= self.max)


@dataclass(frozen=True)
class Effect:
    """What a grade means for one service, with the policy line that says so."""

    decision: str  # priority, allowed, review or denied
    note_text: Text
    file: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)

    def __post_init__(self):
        _texts(self, "note_text")

    @property
    def note(self) -> str:
        """The note in the active language (``rules.texts``)."""
        return self.note_text.get()

    @property
    def source(self) -> Source:
        return Source(self.file, self.line)


@dataclass(frozen=True)
class Service:
    """A public service whose access depends on the citizen's grade."""

    code: str
    name_text: Text
    description_text: Text
    effects: Mapping[str, Effect]
    file: str
    line: int
    disclose_score: bool = False  # whether service agencies see the grade and score with the decision

    def __post_init__(self):
        _texts(self, "name_text", "description_text")

    @property
    def name(self) -> str:
        """The name in the active language (``rules.texts``)."""
        return self.name_text.get()

    @property
    def description(self) -> str:
        return self.description_text.get()


@dataclass(frozen=True, eq=False)
class Policy:
    """One exact version of the policy files, checked and ready to evaluate events."""

    version: str
    files: Mapping[str, str]
    directory: Path | None
    starting_points: int
    floor: int | None
    ceiling: int | None
    grades: tuple[GradeBand, ...]
    appeal_deadline_days: int  # the office's time to decide an appeal, from filing
    agencies: TextMap  # code -> name in the active language
    event_types: Mapping[str, EventType]
    rules: Mapping[str, Rule]
    services: Mapping[str, Service]
    warnings: tuple[Problem, ...] = ()
    source_answer_days: int = 10  # the reporting agency's time to confirm or withdraw a disputed report
    citizen_filing_days: int = 60  # the citizen's time to appeal, from the report
    business_day_deadlines: frozenset = frozenset()  # names of the deadlines above counted in working days
    holidays: frozenset = frozenset()  # non-working weekdays (public holidays)
    working_days: frozenset = frozenset()  # weekend days that are working days (adjusted working days)
    _engine_box: list = field(default_factory=list, repr=False)
    _engine_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _memo_box: list = field(default_factory=list, repr=False)

    def due_date(self, deadline: str, start: dt.date) -> dt.date:
        """The last day of ``deadline`` (``appeal_deadline_days``, ``source_answer_days``,
        ``citizen_filing_days``) counted from ``start``: in working days if the policy says so."""
        return due_date(start, getattr(self, deadline), business=deadline in self.business_day_deadlines,
                        holidays=self.holidays, working_days=self.working_days)

    def grade_for(self, score: int) -> str:
        """The grade of a score (the bands cover every integer; checked at load)."""
        for band in self.grades:
            if band.contains(score):
                return band.grade
        raise ValueError(f"no grade band contains {score}")

    def rules_for(self, event_type: str) -> list[Rule]:
        """Rules of an event type in definition order."""
        return [r for r in self.rules.values() if r.event_type == event_type]

    def effect(self, service_code: str, grade: str) -> Effect:
        """The decision for a grade at a service; ``.source`` names the YAML line."""
        return self.services[service_code].effects[grade]

    def validate_attributes(self, event_type: str, attributes: Mapping[str, object]) -> dict:
        """Cleaned attributes for an event of this type, or AttributeValidationError."""
        spec = self.event_types.get(event_type)
        if spec is None:
            raise UnknownEventTypeError(event_type)
        return _validate_attributes(spec, attributes)

    def evaluate(
        self, event_type: str, attributes: Mapping[str, object], citizen_facts: Mapping[str, object] | None,
        occurred_on: dt.date,
    ) -> list[Rule]:
        """Every rule that applies to this event ("collect": all matching rules), in policy order."""
        return self.engine().match(event_type, attributes, citizen_facts, occurred_on)

    def matching_rules(
        self, event_type: str, attributes: Mapping[str, object], citizen_facts: Mapping[str, object],
        occurred_on: dt.date,
    ) -> list[Rule]:
        """``evaluate`` for validated attributes and facts, with the engine's answers remembered
        (``rules.answers``): what scoring calls. The list is shared; never mutate it."""
        if not self._memo_box:
            self._memo_box.append(AnswerMemo(self))  # two threads may both build one: harmless
        return self._memo_box[0].matching_rules(event_type, attributes, citizen_facts, occurred_on)

    def engine(self) -> DurableEngine:
        """The durable-rules engine for this policy, built on first use."""
        box = self._engine_box
        if not box or box[0].closed:
            with self._engine_lock:
                if not box or box[0].closed:
                    box[:] = [DurableEngine(self)]
        return box[0]

    def close(self) -> None:
        """Free the engine's rulesets; a later evaluate() builds a new one."""
        with self._engine_lock:
            if self._engine_box:
                self._engine_box.pop().close()
