"""Policy test files (``<policy dir>/tests/*.yaml``): parsing and checking against the policy.

A test file is a list of cases; each gives a citizen, the events reported about them in
order, and what the policy must make of it (ledger entries per event, final score, grade,
eligibility decisions). Problems in the files are reported like policy problems, as
``file:line:col: error: message``, and a file with problems is not run.
"""
from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.conf import settings
from django.utils import timezone

from points.services import ENROLMENT_AGE
from rules.errors import Problem
from rules.loading.reader import FileReader
from rules.policy import DECISIONS, Policy
from rules.values import age_on

TESTS_DIR = "tests"
DEFAULT_CITIZEN = {"birth_date": dt.date(1980, 1, 1), "sex": "M", "district": "Suicheng"}
_CASE_KEYS = ("name",), ("description", "citizen", "events", "score", "grade", "eligibility")
_EVENT_KEYS = ("type", "date"), ("attributes", "expect", "rejected", "score", "note")


@dataclass(frozen=True)
class Expected:
    """One ledger entry a test expects: points, and optionally the day it expires (None: never)."""

    points: int
    expires_on: dt.date | None = None
    check_expiry: bool = False


@dataclass
class EventCase:
    line: int
    col: int
    event_type: str
    occurred_at: dt.datetime
    attributes: dict
    expect: dict[str, Expected] | None = None
    rejected: tuple[str, ...] | None = None
    score: int | None = None


@dataclass
class PolicyCase:
    file: str
    line: int
    name: str
    citizen: dict
    events: list[EventCase] = field(default_factory=list)
    score: int | None = None
    grade: str | None = None
    eligibility: dict[str, str] = field(default_factory=dict)
    lines: dict[str, tuple[int, int]] = field(default_factory=dict)  # (line, col) of each key and eligibility service

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


def policy_test_files(directory: Path) -> dict[str, str]:
    """``{"tests/<name>.yaml": text}`` for every test file of a policy directory."""
    folder = Path(directory) / TESTS_DIR
    if not folder.is_dir():
        return {}
    return {f"{TESTS_DIR}/{p.name}": p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.yaml"))}


def parse_tests(files: dict[str, str], policy: Policy) -> tuple[list[PolicyCase], list[Problem]]:
    """Every test case in ``files``, and every problem found in them (checked against ``policy``)."""
    cases: list[PolicyCase] = []
    problems: list[Problem] = []
    for name, text in sorted(files.items()):
        reader = FileReader(name, problems)
        root = reader.compose(text)
        if root is None:
            continue
        if not isinstance(root, yaml.SequenceNode) or not root.value:
            reader.report(root, "a test file must be a non-empty list of test cases")
            continue
        parser = _Parser(reader, policy)
        cases.extend(case for case in map(parser.case, root.value) if case is not None)
    return cases, problems


class _Parser:
    def __init__(self, reader: FileReader, policy: Policy):
        self.reader = reader
        self.policy = policy

    def case(self, node) -> PolicyCase | None:
        fields = self.reader.mapping(node, "a test case")
        if fields is None:
            return None
        fields.expect(*_CASE_KEYS)
        before = len(self.reader.problems)
        case = PolicyCase(
            file=self.reader.file, line=node.start_mark.line + 1, name=fields.text("name", ""),
            citizen=self.citizen(fields.value_node("citizen")), score=fields.integer("score"),
            grade=self.grade(fields), lines=_lines(fields.entries),
        )
        case.eligibility = self.eligibility(fields.value_node("eligibility"), case.lines)
        case.events = [e for e in map(self.event, self.sequence(fields, "events")) if e is not None]
        self.check_ages(case)
        return case if len(self.reader.problems) == before else None

    def sequence(self, fields, key: str) -> list:
        node = fields.value_node(key)
        if node is None:
            return []
        if not isinstance(node, yaml.SequenceNode):
            fields.error(node, f"'{key}' must be a list")
            return []
        return node.value

    def citizen(self, node) -> dict:
        citizen = dict(DEFAULT_CITIZEN, score=self.policy.starting_points)
        if node is None:
            return citizen
        fields = self.reader.mapping(node, "citizen")
        if fields is None:
            return citizen
        fields.expect((), ("birth_date", "sex", "district", "score"))
        for key, getter in (("birth_date", fields.date), ("district", fields.text), ("score", fields.integer)):
            value = getter(key)
            if value is not None:
                citizen[key] = value
        sex = fields.text("sex")
        if sex is not None and sex not in ("M", "F"):
            fields.error(fields.value_node("sex"), f"sex must be M or F, not '{sex}'")
        citizen["sex"] = sex or citizen["sex"]
        return citizen

    def grade(self, fields) -> str | None:
        grade = fields.text("grade")
        known = [band.grade for band in self.policy.grades]
        if grade is not None and grade not in known:
            fields.error(fields.value_node("grade"), f"unknown grade '{grade}' (grades: {', '.join(known)})")
        return grade

    def eligibility(self, node, lines: dict) -> dict[str, str]:
        if node is None:
            return {}
        fields = self.reader.mapping(node, "eligibility")
        if fields is None:
            return {}
        lines.update({f"eligibility.{code}": line for code, line in _lines(fields.entries).items()})
        result = {}
        for code, (key_node, _) in fields.entries.items():
            decision = fields.text(code)
            if code not in self.policy.services:
                fields.error(key_node, f"unknown service '{code}' (services: {', '.join(self.policy.services)})")
            elif decision is not None and decision not in DECISIONS:
                fields.error(fields.value_node(code),
                             f"unknown decision '{decision}' (decisions: {', '.join(DECISIONS)})")
            elif decision is not None:
                result[code] = decision
        return result

    def event(self, node) -> EventCase | None:
        fields = self.reader.mapping(node, "an event")
        if fields is None:
            return None
        fields.expect(*_EVENT_KEYS)
        event_type = fields.text("type")
        if event_type is not None and event_type not in self.policy.event_types:
            known = ", ".join(self.policy.event_types)
            fields.error(fields.value_node("type"), f"unknown event type '{event_type}' (event types: {known})")
        when = self.when(fields)
        attributes = self.attributes(fields)
        rejected = self.rejected(fields)
        if rejected is not None and fields.has("expect"):
            fields.error(fields.value_node("expect"), "an event cannot have both 'rejected' and 'expect'")
        if event_type is None or when is None:
            return None
        return EventCase(
            line=node.start_mark.line + 1, col=node.start_mark.column + 1, event_type=event_type,
            occurred_at=when, attributes=attributes, expect=self.expect(fields), rejected=rejected,
            score=fields.integer("score"),
        )

    def when(self, fields) -> dt.datetime | None:
        """``date: 2024-03-01`` (noon local time) or an ISO date-time with a time zone."""
        value = fields.get("date", (dt.date, dt.datetime, str), "a date (YYYY-MM-DD) or an ISO date-time")
        if isinstance(value, dt.datetime):
            return value if timezone.is_aware(value) else timezone.make_aware(value)
        if isinstance(value, dt.date):
            return timezone.make_aware(dt.datetime.combine(value, dt.time(12)), _zone())
        if isinstance(value, str):
            try:
                parsed = dt.datetime.fromisoformat(value)
            except ValueError:
                parsed = None
            if parsed is not None and timezone.is_aware(parsed):
                return parsed
            fields.error(fields.value_node("date"), f"date '{value}' must be YYYY-MM-DD or an ISO date-time "
                                                    "with a time zone")
        return None

    def attributes(self, fields) -> dict:
        node = fields.value_node("attributes")
        if node is None:
            return {}
        value = self.reader.value(node)
        if not isinstance(value, dict):
            fields.error(node, "'attributes' must be a mapping of attribute names to values")
            return {}
        return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in value.items()}

    def rejected(self, fields) -> tuple[str, ...] | None:
        items = fields.string_list("rejected")
        return None if items is None else tuple(name for name, _ in items)

    def expect(self, fields) -> dict[str, Expected] | None:
        node = fields.value_node("expect")
        if node is None:
            return None
        mapping = self.reader.mapping(node, "expect")
        if mapping is None:
            return None
        result = {}
        for rule_id, (key_node, value_node) in mapping.entries.items():
            if rule_id not in self.policy.rules:
                mapping.error(key_node, f"unknown rule '{rule_id}' in expect")
                continue
            expected = self.expected(mapping, rule_id, value_node)
            if expected is not None:
                result[rule_id] = expected
        return result

    def expected(self, mapping, rule_id: str, node) -> Expected | None:
        if isinstance(node, yaml.ScalarNode):
            points = mapping.integer(rule_id)
            return None if points is None else Expected(points)
        entry = self.reader.mapping(node, f"expected entry of {rule_id}")
        if entry is None:
            return None
        entry.expect(("points",), ("expires_on",))
        points = entry.integer("points")
        return None if points is None else Expected(points, entry.date("expires_on"), entry.has("expires_on"))

    def check_ages(self, case: PolicyCase) -> None:
        for event in case.events:
            day = timezone.localdate(event.occurred_at)
            if age_on(case.citizen["birth_date"], day) < ENROLMENT_AGE:
                message = (f"the citizen is under {ENROLMENT_AGE} on {day}: nobody under {ENROLMENT_AGE} "
                           "is enrolled, so this event would be refused")
                self.reader.report((event.line, event.col), message)


def _lines(entries: dict) -> dict[str, tuple[int, int]]:
    """The (line, col) of each key of a mapping."""
    return {key: (k.start_mark.line + 1, k.start_mark.column + 1) for key, (k, _) in entries.items()}


def _zone():
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)
