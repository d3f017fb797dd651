"""Type checking of a parsed condition against the fields an event type and the citizen offer.

durable-rules coerces types unsafely ("100" < 50 is true), so every comparison is
checked when the policy loads and only well-typed conditions reach the engine.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from rules.ast import And, Compare, InList, Literal, Node, Not, Or, Presence
from rules.schema import INT_MAX, INT_MIN, NAMESPACES, NUMERIC_TYPES, ORDERED_TYPES, FieldType

# A literal kind fits a field type when listed here (null is handled separately).
_FITS = {
    "int": {"int", "float"},
    "float": {"int", "float"},
    "str": {"str"},
    "bool": {"bool"},
    "date": {"date"},
}


class TypeIssue(NamedTuple):
    """One type error in a condition, at a 1-based column of the condition text."""

    col: int
    message: str


def check_condition(node: Node, fields: Mapping[str, FieldType]) -> list[TypeIssue]:
    """Every type error in ``node``; ``fields`` maps ``event.x``/``citizen.y`` to its type."""
    issues: list[TypeIssue] = []
    _check(node, fields, issues)
    return issues


def _check(node: Node, fields: Mapping[str, FieldType], issues: list[TypeIssue]) -> None:
    if isinstance(node, (And, Or)):
        for item in node.items:
            _check(item, fields, issues)
        return
    if isinstance(node, Not):
        _check(node.item, fields, issues)
        return
    ftype = _field_type(node, fields, issues)
    if ftype is None or isinstance(node, Presence):
        return
    if isinstance(node, Compare):
        _check_compare(node, ftype, issues)
    else:
        _check_list(node, ftype, issues)


def _field_type(node, fields: Mapping[str, FieldType], issues: list[TypeIssue]) -> FieldType | None:
    path = node.field.path
    if path in fields:
        return fields[path]
    namespace = node.field.namespace
    if namespace not in NAMESPACES or path.count(".") != 1:
        message = f"unknown field '{path}': fields are event.<attribute> or citizen.<attribute>"
    else:
        known = ", ".join(sorted(p for p in fields if p.startswith(namespace + "."))) or "none"
        message = f"unknown field '{path}' (known {namespace} fields: {known})"
    issues.append(TypeIssue(node.field.col, message))
    return None


def _check_compare(node: Compare, ftype: FieldType, issues: list[TypeIssue]) -> None:
    path, lit = node.field.path, node.value
    if node.bare:
        if ftype.type != "bool":
            issues.append(TypeIssue(node.col, f"'{path}' is {ftype.type}, not bool: write a comparison"))
        return
    if lit.kind == "null":
        if node.op not in ("==", "!="):
            issues.append(TypeIssue(lit.col, f"null can only be compared with == or !=, not {node.op}"))
        return
    if node.op not in ("==", "!=") and ftype.type not in ORDERED_TYPES:
        message = f"ordering ({node.op}) is not defined for {ftype.type} field '{path}'"
        issues.append(TypeIssue(node.col, message))
        return
    _check_literal(path, ftype, lit, issues)


def _check_list(node: InList, ftype: FieldType, issues: list[TypeIssue]) -> None:
    path = node.field.path
    if not node.values:
        issues.append(TypeIssue(node.col, f"empty list after '{'not in' if node.negated else 'in'}'"))
        return
    kinds = {("number" if v.kind in NUMERIC_TYPES else v.kind) for v in node.values}
    if len(kinds) > 1:
        issues.append(TypeIssue(node.col, f"list for '{path}' mixes types: {', '.join(sorted(kinds))}"))
        return
    for lit in node.values:
        if lit.kind == "null":
            issues.append(TypeIssue(lit.col, "null is not allowed in a list: use 'is absent'"))
        else:
            _check_literal(path, ftype, lit, issues)


def _check_literal(path: str, ftype: FieldType, lit: Literal, issues: list[TypeIssue]) -> None:
    if lit.kind not in _FITS[ftype.type]:
        issues.append(TypeIssue(lit.col, _mismatch(path, ftype.type, lit)))
    elif lit.kind == "int" and not INT_MIN <= lit.value <= INT_MAX:
        issues.append(TypeIssue(lit.col, f"integer {lit.value} is out of range"))
    elif lit.kind == "float" and ("e" in repr(lit.value) or abs(lit.value) >= 1e15):
        # durable-rules cannot parse floats written with an exponent.
        issues.append(TypeIssue(lit.col, f"number {lit.value!r} is out of range (use 0.0001 .. 1e15)"))
    elif ftype.choices is not None and lit.value not in ftype.choices:
        allowed = ", ".join(repr(c) for c in ftype.choices)
        issues.append(TypeIssue(lit.col, f"{lit.value!r} is not a possible value of '{path}' ({allowed})"))


def _mismatch(path: str, ftype: str, lit: Literal) -> str:
    if lit.kind == "date":
        return f"date literal {lit.value.isoformat()} is only valid against date fields; '{path}' is {ftype}"
    shown = {"bool": "boolean", "str": "string", "int": "number", "float": "number"}[lit.kind]
    return f"cannot compare {ftype} field '{path}' with {shown} {_show(lit)}"


def _show(lit: Literal) -> str:
    if lit.kind == "bool":
        return "true" if lit.value else "false"
    return repr(lit.value)
