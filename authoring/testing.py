"""Running policy test cases through the real scoring code (see ``points.replay``) and reporting the results.

Each case gets a fresh unsaved citizen; its events are replayed in the order written, so
caps, the floor and ceiling and ``citizen.score`` conditions behave as in live scoring.
Eligibility comes from ``points.selectors.eligibility`` with the policy under test.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone

from authoring.testcases import EventCase, Expected, PolicyCase, parse_tests, policy_test_files
from points.replay import SCORED, Outcome, StoredEvent, replay, scratch_citizen
from points.selectors import eligibility
from rules.errors import AttributeValidationError, Problem
from rules.policy import Policy


@dataclass(frozen=True)
class Failure:
    """One expectation that did not hold, located at the line that states it."""

    line: int
    col: int
    message: str


@dataclass
class CaseResult:
    case: PolicyCase
    failures: list[Failure] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass
class PolicyTestRun:
    """All cases of a policy's tests: results, and problems that kept files from running."""

    results: list[CaseResult]
    problems: list[Problem]
    files: dict[str, str]

    @property
    def failed(self) -> list[CaseResult]:
        return [r for r in self.results if not r.passed]

    @property
    def ok(self) -> bool:
        return bool(self.results) and not self.failed and not self.errors

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def run_policy_tests(policy: Policy, directory: Path | str) -> PolicyTestRun:
    """Parse and run ``<directory>/tests/*.yaml`` against ``policy``."""
    files = policy_test_files(Path(directory))
    cases, problems = parse_tests(files, policy)
    return PolicyTestRun([run_case(case, policy) for case in cases], problems, files)


def run_case(case: PolicyCase, policy: Policy) -> CaseResult:
    result = CaseResult(case)
    first = min((e.occurred_at for e in case.events), default=timezone.now())
    citizen = scratch_citizen(policy=policy, enrolled_at=first, **case.citizen)
    scored = [e for e in case.events if e.rejected is None]
    outcomes = replay(citizen=citizen, events=[_stored(e) for e in scored], policy=policy)
    for event, outcome in zip(scored, outcomes, strict=True):
        result.failures.extend(_check_event(case, event, outcome))
    for event in case.events:
        if event.rejected is not None:
            result.failures.extend(_check_rejected(case, event, policy))
    result.failures.extend(_check_standing(case, citizen, policy))
    result.failures.sort(key=lambda f: (f.line, f.col))
    return result


def _stored(event: EventCase) -> StoredEvent:
    return StoredEvent(None, event.event_type, event.occurred_at, event.attributes)


def _label(case: PolicyCase, event: EventCase) -> str:
    number = case.events.index(event) + 1
    return f"event {number} ({event.event_type} on {timezone.localdate(event.occurred_at)})"


def _check_event(case: PolicyCase, event: EventCase, outcome: Outcome) -> list[Failure]:
    label = _label(case, event)
    if outcome.status != SCORED:
        return [Failure(event.line, event.col, f"{label} was refused: {outcome.problem}")]
    failures = []
    if event.expect is not None and not _entries_match(event.expect, outcome):
        expected = _show_expected(event.expect)
        actual = _show_actual(outcome, {r for r, e in event.expect.items() if e.check_expiry})
        failures.append(Failure(event.line, event.col, f"{label}: expected {expected}, got {actual}"))
    if event.score is not None and event.score != outcome.score_after:
        failures.append(Failure(event.line, event.col,
                                f"{label}: expected score {event.score} after it, got {outcome.score_after}"))
    return failures


def _entries_match(expect: dict[str, Expected], outcome: Outcome) -> bool:
    actual = {p.rule_id: p for p in outcome.planned}
    if set(actual) != set(expect):
        return False
    return all(
        actual[rule].delta == want.points and (not want.check_expiry or actual[rule].expires_on == want.expires_on)
        for rule, want in expect.items()
    )


def _show_expected(expect: dict[str, Expected]) -> str:
    if not expect:
        return "no points"
    parts = []
    for rule, want in expect.items():
        text = f"{rule} {want.points:+d}"
        if want.check_expiry:
            text += f" (expires {want.expires_on or 'never'})"
        parts.append(text)
    return ", ".join(parts)


def _show_actual(outcome: Outcome, with_expiry: set[str]) -> str:
    if not outcome.planned:
        return "no points"
    parts = []
    for planned in outcome.planned:
        text = f"{planned.rule_id} {planned.delta:+d}"
        if planned.rule_id in with_expiry:
            text += f" (expires {planned.expires_on or 'never'})"
        parts.append(text)
    return ", ".join(parts)


def _check_rejected(case: PolicyCase, event: EventCase, policy: Policy) -> list[Failure]:
    label = _label(case, event)
    try:
        policy.validate_attributes(event.event_type, event.attributes)
    except AttributeValidationError as exc:
        refused = tuple(sorted(exc.field_errors))
        if refused == tuple(sorted(event.rejected)):
            return []
        return [Failure(event.line, event.col, f"{label}: expected the attributes {_names(event.rejected)} "
                                               f"to be refused, but the refused ones are {exc}")]
    return [Failure(event.line, event.col, f"{label}: expected the attributes {_names(event.rejected)} "
                                           "to be refused, but the event was accepted")]


def _names(names) -> str:
    return ", ".join(names) if names else "(none)"


def _check_standing(case: PolicyCase, citizen, policy: Policy) -> list[Failure]:
    def at(key: str, message: str) -> Failure:
        line, col = case.lines.get(key, (case.line, 1))
        return Failure(line, col, message)

    failures = []
    if case.score is not None and case.score != citizen.score:
        failures.append(at("score", f"final score: expected {case.score}, got {citizen.score}"))
    if case.grade is not None and case.grade != citizen.grade:
        failures.append(at("grade", f"grade: expected {case.grade}, got {citizen.grade} ({citizen.score} points)"))
    for service, wanted in case.eligibility.items():
        decision = eligibility(citizen=citizen, service_code=service, policy=policy)
        if decision.decision != wanted:
            failures.append(at(f"eligibility.{service}", f"eligibility for {service}: expected {wanted}, "
                                                         f"got {decision.decision} — {decision.reason}"))
    return failures


def format_run(run: PolicyTestRun, directory: Path | str, *, verbose: bool = False) -> list[str]:
    """Report lines: problems and failures as ``path:line:col: ...``, then a summary line."""
    base = Path(directory)
    lines = [f"{base / p.file}:{p.line}:{p.col}: {p.severity}: {p.message}" for p in sorted(run.problems)]
    for result in run.results:
        case = result.case
        if result.passed:
            if verbose:
                lines.append(f"PASS {base / case.file}:{case.line}: {case.name}")
            continue
        lines.append(f"FAIL {base / case.file}:{case.line}: {case.name}")
        lines.extend(f"  {base / case.file}:{f.line}:{f.col}: {f.message}" for f in result.failures)
    lines.append(_summary(run))
    return lines


def _summary(run: PolicyTestRun) -> str:
    passed = len(run.results) - len(run.failed)
    text = f"{passed} passed, {len(run.failed)} failed"
    if run.errors:
        text += f", {len(run.errors)} problems in test files"
    if not run.results and not run.errors:
        text = "no test cases found (write them in tests/*.yaml next to the policy files)"
    return text + f" ({len(run.files)} test files)"
