"""Compile condition trees into durable-rules condition dicts (pure data; no durable import).

Forms (checked against durable's lang.py and C sources): ``{"f": v}`` is equality;
other comparisons are ``{"$neq": {"f": v}}``, ``{"$lt": ...}``, ``{"$lte": ...}``,
``{"$gt": ...}``, ``{"$gte": ...}``; ``{"$ex": {"f": 1}}`` / ``{"$nex": {"f": 1}}``
test presence; ``{"$and": [...]}`` / ``{"$or": [...]}`` combine; ``"event.x"`` names
a nested field. Dates become epoch days.
"""
from __future__ import annotations

import datetime as dt

from rules.ast import And, Compare, InList, Literal, Node, Or, Presence
from rules.nnf import to_nnf
from rules.values import epoch_days

_OPS = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}

# durable-rules limits (src/rules/rete.h MAX_SEQUENCE_EXPRESSIONS = 32, events.c MAX_STACK_SIZE = 64):
# a rule may hold at most 15 $and/$or groups, and one event may reach at most 64 alpha paths,
# one of which the engine's catch-all rule takes (see rules.engine).
MAX_GROUPS_PER_RULE = 15
MAX_PATHS_PER_EVENT = 63


def engine_value(lit: Literal) -> object:
    """The value durable-rules compares for a literal."""
    if isinstance(lit.value, dt.date):
        return epoch_days(lit.value)
    return lit.value


def compile_condition(node: Node) -> dict:
    """durable-rules condition for ``node``; ``not`` is pushed down exactly (see rules.nnf)."""
    return _compile(to_nnf(node))


def compile_rule(event_type: str, condition: Node | None, start: dt.date | None, end: dt.date | None) -> dict:
    """A rule's full condition: event type discriminator, effective dates, then ``condition``.

    The positive ``event_type`` test matters: durable feeds its session state back through
    the rules, and a rule that could match it on absent fields alone would loop.
    """
    parts: list[dict] = [{"event_type": event_type}]
    if start is not None:
        parts.append({"$gte": {"occurred_day": epoch_days(start)}})
    if end is not None:
        parts.append({"$lte": {"occurred_day": epoch_days(end)}})
    if condition is not None:
        parts.append(compile_condition(condition))
    return _group("$and", parts)


def _compile(node: Node) -> dict:
    if isinstance(node, And):
        return _group("$and", [_compile(i) for i in node.items])
    if isinstance(node, Or):
        return _group("$or", [_compile(i) for i in node.items])
    path = node.field.path
    if isinstance(node, Presence):
        return {"$ex" if node.present else "$nex": {path: 1}}
    if isinstance(node, InList):
        return _in_list(path, node)
    assert isinstance(node, Compare)
    value = engine_value(node.value)
    return {path: value} if node.op == "==" else {_OPS[node.op]: {path: value}}


def _in_list(path: str, node: InList) -> dict:
    values = list(dict.fromkeys(engine_value(v) for v in node.values))
    if not node.negated:
        return _group("$or", [{path: v} for v in values])
    all_differ = _group("$and", [{"$neq": {path: v}} for v in values])
    return _group("$or", [{"$nex": {path: 1}}, all_differ])


def _group(op: str, parts: list[dict]) -> dict:
    flat: list[dict] = []
    for part in parts:
        flat.extend(part[op] if op in part else [part])
    return flat[0] if len(flat) == 1 else {op: flat}


def count_groups(compiled: dict) -> int:
    """Number of $and/$or groups in a compiled condition (durable allows MAX_GROUPS_PER_RULE)."""
    for op in ("$and", "$or"):
        if op in compiled:
            return 1 + sum(count_groups(c) for c in compiled[op])
    return 0


def max_paths(compiled: dict) -> int:
    """Upper bound on the alpha paths one event can take through a compiled condition.

    durable-rules pushes one stack entry per path (an $or with two true branches fires
    its rule twice), and fails with error 303 beyond MAX_PATHS_PER_EVENT.
    """
    if "$and" in compiled:
        product = 1
        for part in compiled["$and"]:
            product *= max_paths(part)
        return product
    if "$or" in compiled:
        return _or_paths(compiled["$or"])
    return 1


def _or_paths(branches: list[dict]) -> int:
    nested = 0
    by_path: dict[str, list[int]] = {}
    for branch in branches:
        leaf = _leaf_path(branch)
        if leaf is None:
            nested += max_paths(branch)
            continue
        path, kind = leaf
        counts = by_path.setdefault(path, [0, 0, 0])  # absent tests, equalities, other tests
        counts[kind] += 1
    # On one field: 'absent' excludes every comparison, and distinct equalities exclude each other.
    leaves = sum(max(a, min(e, 1) + o) for a, e, o in by_path.values())
    return nested + leaves


def _leaf_path(branch: dict) -> tuple[str, int] | None:
    (key, value), = branch.items()
    if key in ("$and", "$or"):
        return None
    if key == "$nex":
        return next(iter(value)), 0
    if key.startswith("$"):
        return next(iter(value)), 2
    return key, 1
