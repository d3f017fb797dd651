"""``rules diff``: what changed between two policies, rule by rule, in words a policy author reads.

Conditions are compared as parsed trees, so re-wrapping or re-quoting a condition is not
a change; the text of both versions is shown when the meaning differs.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

from rules.policy import Policy, Rule

_RULE_FIELDS = ("event_type", "points", "cap", "effective_from", "effective_to", "expires_after", "title",
                "explanation", "legal_basis")


def _show(value) -> str:
    if value is None:
        return "none"
    if hasattr(value, "count") and hasattr(value, "per"):
        return f"{value.count} per {value.per}"
    return str(value)


def _when(rule: Rule) -> str:
    return repr(" ".join(rule.when.split())) if rule.when else "always"


def _rule_changes(old: Rule, new: Rule) -> list[str]:
    changes = []
    if old.condition != new.condition:
        changes.append(f"when {_when(old)} → {_when(new)}")
    for name in _RULE_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            if name in ("title", "explanation", "legal_basis"):
                changes.append(f"{name} reworded")
            else:
                changes.append(f"{name} {_show(before)} → {_show(after)}")
    return changes


def _rule_summary(rule: Rule) -> str:
    parts = [f"{rule.event_type}", f"{_show(rule.points)} points"]
    if rule.when:
        parts.append(f"when {_when(rule)}")
    if rule.cap:
        parts.append(f"cap {_show(rule.cap)}")
    if rule.effective_from or rule.effective_to:
        parts.append(f"in force {_show(rule.effective_from)} to {_show(rule.effective_to)}")
    return ", ".join(parts)


def _keyed(old: Mapping, new: Mapping, describe: Callable, compare: Callable) -> list[str]:
    lines = [f"  + {key}: {describe(new[key])}" for key in new if key not in old]
    lines += [f"  - {key}: {describe(old[key])}" for key in old if key not in new]
    for key in old:
        if key in new:
            lines += [f"  ~ {key}: {change}" for change in compare(old[key], new[key])]
    return lines


def _grade_lines(old: Policy, new: Policy) -> list[str]:
    lines = []
    for name in ("starting_points", "floor", "ceiling", "appeal_deadline_days"):
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            lines.append(f"  ~ {name} {_show(before)} → {_show(after)}")
    bands_old = {b.grade: b for b in old.grades}
    bands_new = {b.grade: b for b in new.grades}

    def band(b) -> str:
        return f"{_show(b.min)}..{_show(b.max)}"

    def compare(a, b) -> list[str]:
        return [f"{name} {_show(getattr(a, name))} → {_show(getattr(b, name))}" for name in ("min", "max")
                if getattr(a, name) != getattr(b, name)]

    return lines + _keyed(bands_old, bands_new, band, compare)


def _service_changes(old, new) -> list[str]:
    changes = [f"name {old.name!r} → {new.name!r}"] if old.name != new.name else []
    if old.disclose_score != new.disclose_score:
        changes.append(f"disclose_score {str(old.disclose_score).lower()} → {str(new.disclose_score).lower()}")
    for grade in sorted(set(old.effects) | set(new.effects)):
        a, b = old.effects.get(grade), new.effects.get(grade)
        if a is None or b is None or a.decision != b.decision:
            changes.append(f"grade {grade}: {a.decision if a else 'none'} → {b.decision if b else 'none'}")
        elif a.note != b.note:
            changes.append(f"grade {grade}: note reworded")
    return changes


def _attribute_changes(old, new) -> list[str]:
    def spec(a) -> str:
        extras = [f"{k} {_show(getattr(a, k))}" for k in ("choices", "min", "max") if getattr(a, k) is not None]
        return ", ".join([a.type, "required" if a.required else "optional"] + extras)

    changes = [f"reported_by {list(old.reported_by)} → {list(new.reported_by)}"] \
        if old.reported_by != new.reported_by else []
    for name in old.attributes.keys() | new.attributes.keys():
        a, b = old.attributes.get(name), new.attributes.get(name)
        if a is None or b is None or spec(a) != spec(b):
            changes.append(f"attribute {name}: {spec(a) if a else 'none'} → {spec(b) if b else 'none'}")
    return sorted(changes)


def policy_diff(old: Policy, new: Policy) -> list[str]:
    """Lines describing every difference from ``old`` to ``new`` (empty when they mean the same)."""
    sections = [
        ("Rules", _keyed(old.rules, new.rules, _rule_summary, _rule_changes)),
        ("Grades and points", _grade_lines(old, new)),
        ("Services", _keyed(old.services, new.services, lambda s: s.name, _service_changes)),
        ("Event types", _keyed(old.event_types, new.event_types, lambda e: e.title, _attribute_changes)),
        ("Agencies", _keyed(old.agencies, new.agencies, str,
                            lambda a, b: [f"name {a!r} → {b!r}"] if a != b else [])),
    ]
    lines = []
    for title, body in sections:
        if body:
            lines += [title] + body
    return lines
