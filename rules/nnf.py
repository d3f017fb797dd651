"""Negation normal form: ``not`` pushed down to the tests, exactly, under our semantics.

Semantics: a comparison (==, !=, <, in, ...) on a missing field is false. So
``not (a < b)`` is ``a is absent or a >= b``, and ``not (a in L)`` is ``a not in L``.
``== null`` means absent and ``!= null`` means present. The result contains only
Compare (no null), InList, Presence, And and Or, with nested And/Or flattened.
"""
from __future__ import annotations

from rules.ast import And, Compare, InList, Node, Not, Or, Presence

_NEGATED_OP = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}


def to_nnf(node: Node, negate: bool = False) -> Node:
    """``node`` (or its negation) without Not nodes and without null literals."""
    if isinstance(node, Not):
        return to_nnf(node.item, not negate)
    if isinstance(node, (And, Or)):
        flip = (node.__class__ is And) == negate
        cls = Or if flip else And
        return _join(cls, [to_nnf(item, negate) for item in node.items])
    if isinstance(node, Presence):
        return Presence(node.field, node.present != negate, node.col)
    if isinstance(node, InList):
        return InList(node.field, node.values, node.negated != negate, node.col)
    return _compare(node, negate)


def _compare(node: Compare, negate: bool) -> Node:
    if node.value.kind == "null":
        return Presence(node.field, (node.op == "!=") != negate, node.col)
    if not negate:
        return node
    flipped = Compare(node.field, _NEGATED_OP[node.op], node.value, node.bare, node.col)
    return Or((Presence(node.field, False, node.col), flipped))


def _join(cls, items: list[Node]) -> Node:
    flat: list[Node] = []
    for item in items:
        flat.extend(item.items if isinstance(item, cls) else [item])
    return flat[0] if len(flat) == 1 else cls(tuple(flat))
