"""Loading a policy: from a directory or from in-memory file contents, through the same code.

Every file is read and checked, every problem collected, and either a complete Policy
comes back or a PolicyError listing each problem as ``file:line:col: error: message [rule]``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from types import MappingProxyType

from django.utils.translation import gettext

from rules.errors import PolicyError, Problem
from rules.loading.events import EventsSection, load_events
from rules.loading.grades import GradesSection, load_grades
from rules.loading.reader import FileReader
from rules.loading.rulebook import load_rules
from rules.loading.services import load_services
from rules.overlap import exclusive
from rules.policy import Policy, Rule
from rules.texts import TextMap

POLICY_FILES = ("events.yaml", "grades.yaml", "rules.yaml", "services.yaml")


def load_policy(directory: Path | str) -> Policy:
    """Load and check the ``*.yaml`` files of a policy directory (every text in every language)."""
    directory = Path(directory)
    problems: list[Problem] = []
    files: dict[str, str] = {}
    if not directory.is_dir():
        raise PolicyError([Problem(str(directory), 1, 1, "error", gettext("policy directory not found"))])
    for path in sorted(directory.glob("*.yaml")):
        try:
            files[path.name] = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(
                Problem(path.name, 1, 1, "error", gettext("not UTF-8 text: %(reason)s") % {"reason": exc.reason})
            )
    return _load(files, directory, problems, True)


def policy_from_files(files: Mapping[str, str], require_translations: bool = False) -> Policy:
    """Load a policy from ``{file name: text}`` (e.g. a version stored in the database).

    Stored versions were checked when published; one published before policy texts were given per
    language keeps loading (its plain strings read the same in every language), so that the entries
    it made can still be explained.
    """
    return _load(dict(files), None, [], require_translations)


def policy_version(files: Mapping[str, str]) -> str:
    """sha256 over the sorted file names and their UTF-8 bytes, each length-prefixed."""
    digest = hashlib.sha256()
    for name in sorted(files):
        data = files[name].encode("utf-8")
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def _load(files: dict[str, str], directory: Path | None, problems: list[Problem], require_translations: bool) -> Policy:
    for name in sorted(set(files) - set(POLICY_FILES)):
        message = gettext("unexpected policy file (expected: %(files)s)") % {"files": ", ".join(POLICY_FILES)}
        problems.append(Problem(name, 1, 1, "error", message))
    for name in POLICY_FILES:
        if name not in files and not any(p.file == name for p in problems):
            problems.append(Problem(name, 1, 1, "error", gettext("policy file missing")))
    roots = {name: _compose(name, files.get(name), problems) for name in POLICY_FILES}
    section = partial(_section, roots=roots, problems=problems, require_translations=require_translations)
    events = section(load_events, "events.yaml") or EventsSection()
    grades = section(load_grades, "grades.yaml") or GradesSection()
    grade_names = [b.grade for b in grades.bands] if roots["grades.yaml"] is not None else None
    event_types = events.event_types if roots["events.yaml"] is not None else None
    services = section(load_services, "services.yaml", grade_names) or {}
    rules = section(load_rules, "rules.yaml", event_types, grade_names) or {}
    problems.extend(_overlap_warnings(rules))
    if any(p.severity == "error" for p in problems):
        raise PolicyError(problems)
    return Policy(
        version=policy_version(files),
        files=MappingProxyType(dict(files)),
        directory=directory,
        starting_points=grades.starting_points,
        floor=grades.floor,
        ceiling=grades.ceiling,
        grades=tuple(grades.bands),
        appeal_deadline_days=grades.appeal_deadline_days,
        source_answer_days=grades.source_answer_days,
        citizen_filing_days=grades.citizen_filing_days,
        business_day_deadlines=grades.business_days,
        holidays=grades.holidays,
        working_days=grades.working_days,
        agencies=TextMap(events.agencies),
        event_types=MappingProxyType(events.event_types),
        rules=MappingProxyType(rules),
        services=MappingProxyType(services),
        warnings=tuple(sorted(problems)),
    )


def _compose(name: str, text: str | None, problems: list[Problem]):
    if text is None:
        return None
    return FileReader(name, problems).compose(text)


def _section(loader, name: str, *args, roots: dict, problems: list[Problem], require_translations: bool):
    root = roots[name]
    if root is None:
        return None
    return loader(FileReader(name, problems, require_translations), root, *args)


def _overlap_warnings(rules: dict[str, Rule]) -> list[Problem]:
    """Warn when two rules of one event type may both apply (collect: both add points)."""
    warnings = []
    ordered = list(rules.values())
    for index, later in enumerate(ordered):
        for earlier in ordered[:index]:
            if earlier.event_type == later.event_type and _may_overlap(earlier, later):
                warnings.append(
                    Problem(
                        later.file,
                        later.line,
                        1,
                        "warning",
                        gettext(
                            "rules %(id)s and %(id2)s can both apply to one '%(event_type)s' event, and then "
                            "both count; make their conditions exclusive if only one should"
                        )
                        % {"id": earlier.id, "id2": later.id, "event_type": later.event_type},
                        later.id,
                    )
                )
    return warnings


def _may_overlap(a: Rule, b: Rule) -> bool:
    return _dates_overlap(a, b) and _dates_overlap(b, a) and not exclusive(a.condition, b.condition)


def _dates_overlap(a: Rule, b: Rule) -> bool:
    """``a`` starts no later than ``b`` ends."""
    return a.effective_from is None or b.effective_to is None or a.effective_from <= b.effective_to
