"""``rules check``: load a policy directory and list every problem, errors and warnings, in one run.

The loader (``rules.loader``) already checks YAML syntax, the schema of every file,
conditions against the attribute schemas, duplicate ids, overlapping rules, grade bands
and services. This adds what only makes sense for a directory an author edits: files the
loader would silently ignore.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from authoring.testcases import TESTS_DIR
from rules.errors import PolicyError, Problem
from rules.loader import load_policy
from rules.policy import Policy


@dataclass
class CheckResult:
    policy: Policy | None
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def check_policy(directory: Path | str) -> CheckResult:
    """The loaded policy (None if it has errors) and every problem, sorted by file and line."""
    directory = Path(directory)
    problems = _ignored_files(directory)
    try:
        policy = load_policy(directory)
    except PolicyError as exc:
        return CheckResult(None, sorted(problems + exc.problems))
    return CheckResult(policy, sorted(problems + list(policy.warnings)))


def _ignored_files(directory: Path) -> list[Problem]:
    if not directory.is_dir():
        return []
    problems = []
    for path in sorted(directory.glob("*.yml")) + sorted((directory / TESTS_DIR).glob("*.yml")):
        name = path.relative_to(directory).as_posix()
        problems.append(Problem(name, 1, 1, "warning", f"'{name}' is ignored: policy and test files end in .yaml"))
    return problems


def format_problem(problem: Problem, directory: Path | str) -> str:
    """``<directory>/<file>:line:col: severity: message [rule]``, a path an editor can open."""
    path = Path(problem.file)
    if not (path.is_absolute() or problem.file == str(directory)):
        path = Path(directory) / path
    return str(Problem(str(path), problem.line, problem.col, problem.severity, problem.message, problem.rule_id))
