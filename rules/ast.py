"""Typed syntax tree of a rule condition, shared by the parser, checker, compiler and evaluators.

``col`` is the 1-based column in the condition text; it is excluded from equality so
that trees built by hand compare equal to parsed ones.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Field:
    """A namespaced field: ``event.<attribute>`` or ``citizen.<attribute>``."""

    path: str
    col: int = field(default=0, compare=False)

    @property
    def namespace(self) -> str:
        return self.path.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.path.split(".", 1)[1] if "." in self.path else ""


@dataclass(frozen=True)
class Literal:
    """A constant; ``kind`` is one of int, float, str, bool, null, date."""

    value: object
    kind: str
    col: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Compare:
    """``field op value``; ``bare`` marks a bare boolean field written without ``== true``."""

    field: Field
    op: str
    value: Literal
    bare: bool = field(default=False, compare=False)
    col: int = field(default=0, compare=False)


@dataclass(frozen=True)
class InList:
    """``field in [...]`` or, with ``negated``, ``field not in [...]``."""

    field: Field
    values: tuple[Literal, ...]
    negated: bool = False
    col: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Presence:
    """``field is present`` (present=True) or ``field is absent``."""

    field: Field
    present: bool
    col: int = field(default=0, compare=False)


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Compare | InList | Presence | And | Or | Not


def literal_source(lit: Literal) -> str:
    """The condition-language text of a literal."""
    if lit.kind == "null":
        return "null"
    if lit.kind == "bool":
        return "true" if lit.value else "false"
    if lit.kind == "str":
        return "'" + str(lit.value).replace("\\", "\\\\").replace("'", "\\'") + "'"
    if lit.kind == "date":
        assert isinstance(lit.value, dt.date)
        return lit.value.isoformat()
    return repr(lit.value)


def to_source(node: Node) -> str:
    """Condition-language text for a tree; parsing it gives the same tree back."""
    if isinstance(node, Compare):
        return f"{node.field.path} {node.op} {literal_source(node.value)}"
    if isinstance(node, InList):
        values = ", ".join(literal_source(v) for v in node.values)
        return f"{node.field.path} {'not in' if node.negated else 'in'} [{values}]"
    if isinstance(node, Presence):
        return f"{node.field.path} is {'present' if node.present else 'absent'}"
    if isinstance(node, Not):
        return f"not ({to_source(node.item)})"
    joiner = " and " if isinstance(node, And) else " or "
    return "(" + joiner.join(to_source(i) for i in node.items) + ")"
