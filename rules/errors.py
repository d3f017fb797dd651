"""Exceptions and problem reports raised by the rules package."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One finding about a policy, located in a file: an error blocks loading, a warning does not."""

    file: str
    line: int
    col: int
    severity: str
    message: str
    rule_id: str | None = None

    def __str__(self) -> str:
        suffix = f" [{self.rule_id}]" if self.rule_id else ""
        return f"{self.file}:{self.line}:{self.col}: {self.severity}: {self.message}{suffix}"


class PolicyError(Exception):
    """A policy failed to load; ``problems`` holds every error and warning found in one pass."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


class AttributeValidationError(ValueError):
    """Event attributes do not fit the event type's schema; ``field_errors`` maps field to message."""

    def __init__(self, field_errors: dict[str, str]):
        self.field_errors = dict(field_errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.field_errors.items()))


class UnknownEventTypeError(LookupError):
    """The policy has no event type of that name."""


class CitizenFactsError(ValueError):
    """Citizen facts passed to the engine are unknown or of the wrong type."""


class RulesEngineError(RuntimeError):
    """The rules engine failed while evaluating an event (never a normal 'no rule matched')."""
