"""Can two conditions both hold for one event? A conservative check used for policy warnings.

``exclusive(a, b)`` is True only when it can prove no event satisfies both (for example
``x == true`` vs ``not x``, ``x == 'a'`` vs ``x == 'b'``, ``x < 8`` vs ``x >= 8``). False
means "maybe both": under the collect hit policy both rules would then apply.
"""
from __future__ import annotations

from rules.ast import And, Compare, InList, Node, Or, Presence
from rules.nnf import to_nnf
from rules.reference import evaluate


def exclusive(a: Node | None, b: Node | None) -> bool:
    """True if no event can satisfy both conditions (None means 'always')."""
    if a is None or b is None:
        return False
    return _exclusive(to_nnf(a), to_nnf(b))


def _exclusive(a: Node, b: Node) -> bool:
    # Disjunctions first: a disjunction is excluded only if every branch is.
    if isinstance(a, Or):
        return all(_exclusive(item, b) for item in a.items)
    if isinstance(b, Or):
        return all(_exclusive(a, item) for item in b.items)
    if isinstance(a, And):
        return any(_exclusive(item, b) for item in a.items)
    if isinstance(b, And):
        return any(_exclusive(a, item) for item in b.items)
    return a.field.path == b.field.path and _contradict(a, b)


def _contradict(a: Node, b: Node) -> bool:
    if isinstance(a, Presence) or isinstance(b, Presence):
        return _presence_contradicts(a, b)
    for one, other in ((a, b), (b, a)):
        values = _finite_values(one)
        if values is not None:
            return not any(_holds(other, v) for v in values)
    return _ranges_disjoint(a, b)


def _presence_contradicts(a: Node, b: Node) -> bool:
    """'absent' excludes every comparison; 'present' excludes only 'absent'."""
    absent = [n for n in (a, b) if isinstance(n, Presence) and not n.present]
    if not absent:
        return False
    other = b if a is absent[0] else a
    if isinstance(other, Presence):
        return other.present
    return not (isinstance(other, InList) and other.negated)


def _finite_values(node: Node) -> list | None:
    if isinstance(node, Compare) and node.op == "==":
        return [node.value.value]
    if isinstance(node, InList) and not node.negated:
        return [v.value for v in node.values]
    return None


def _holds(node: Node, value: object) -> bool:
    return evaluate(node, {node.field.path: value})


def _ranges_disjoint(a: Node, b: Node) -> bool:
    if not (isinstance(a, Compare) and isinstance(b, Compare)):
        return False
    low = [n for n in (a, b) if n.op in (">", ">=")]
    high = [n for n in (a, b) if n.op in ("<", "<=")]
    if len(low) != 1 or len(high) != 1:
        return False
    lo, hi = low[0], high[0]
    if lo.value.value > hi.value.value:
        return True
    touching = lo.value.value == hi.value.value
    return touching and (lo.op == ">" or hi.op == "<")
