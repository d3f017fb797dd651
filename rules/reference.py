"""A plain-Python evaluator of condition trees, used by tests as the meaning of the language.

It evaluates the original tree (with ``not``), so agreement with the durable-rules
compilation also proves the push-down of ``not`` in ``rules.nnf`` is exact.
"""
from __future__ import annotations

import operator
from collections.abc import Mapping

from rules.ast import And, Compare, InList, Node, Not, Or, Presence

_OPS = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def evaluate(node: Node, values: Mapping[str, object]) -> bool:
    """Truth of ``node`` for ``values`` keyed by field path (``event.x``); None or missing is absent."""
    if isinstance(node, And):
        return all(evaluate(item, values) for item in node.items)
    if isinstance(node, Or):
        return any(evaluate(item, values) for item in node.items)
    if isinstance(node, Not):
        return not evaluate(node.item, values)
    value = values.get(node.field.path)
    if isinstance(node, Presence):
        return (value is not None) == node.present
    if isinstance(node, InList):
        if value is None:
            return node.negated
        return any(value == v.value for v in node.values) != node.negated
    return _compare(node, value)


def _compare(node: Compare, value: object) -> bool:
    if node.value.kind == "null":
        return (value is None) == (node.op == "==")
    if value is None:
        return False
    return _OPS[node.op](value, node.value.value)
