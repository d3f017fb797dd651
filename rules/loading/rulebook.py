"""rules.yaml: the scoring rules, each checked against its event type and the citizen schema."""

from __future__ import annotations

import re

import yaml
from django.utils.translation import gettext

from rules.ast import And, Not, Or
from rules.compiler import MAX_GROUPS_PER_RULE, MAX_PATHS_PER_EVENT, compile_rule, count_groups, max_paths
from rules.grammar import ConditionSyntaxError, parse_condition
from rules.loading.reader import FileReader
from rules.policy import CAP_PERIODS, Cap, EventType, Rule
from rules.schema import CITIZEN_FIELDS, PROTECTED_CITIZEN_ATTRIBUTES, SUSPECT_CITIZEN_ATTRIBUTES, FieldType
from rules.typecheck import check_condition
from rules.values import Duration

RULE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")
POINTS_REF = re.compile(r"^event\.([a-z][a-z0-9_]*)$")
_REQUIRED = ("id", "title", "explanation", "event_type", "points", "legal_basis")
_OPTIONAL = ("when", "cap", "effective_from", "effective_to", "expires_after")


def load_rules(
    reader: FileReader, root, event_types: dict[str, EventType] | None, grades: list[str] | None
) -> dict[str, Rule]:
    """Rules by id in file order; ``event_types``/``grades`` are None when their file failed."""
    top = reader.mapping(root, "rules.yaml")
    if top is None:
        return {}
    top.expect(("rules",))
    node = top.value_node("rules")
    if node is None:
        return {}
    if not isinstance(node, yaml.SequenceNode):
        reader.report(node, gettext("'rules' must be a list of rules"))
        return {}
    rules: dict[str, Rule] = {}
    for item in node.value:
        rule = _rule(reader, item, event_types, grades)
        if rule is None:
            continue
        if rule.id in rules:
            first = rules[rule.id].line
            reader.report(
                item,
                gettext("duplicate rule id '%(id)s' (first defined at line %(first)s)")
                % {"id": rule.id, "first": first},
                rule.id,
            )
        else:
            rules[rule.id] = rule
    _check_engine_limits(reader, rules)
    return rules


def _rule(reader: FileReader, node, event_types, grades) -> Rule | None:
    fields = reader.mapping(node, "a rule")
    if fields is None:
        return None
    rule_id = fields.text("id")
    if rule_id is not None and not RULE_ID.match(rule_id):
        fields.error(
            fields.value_node("id"),
            gettext("rule id '%(rule_id)s' must be letters, digits, '-', '_' or '.'") % {"rule_id": rule_id},
        )
        rule_id = None
    fields.rule_id = rule_id
    fields.expect(_REQUIRED, _OPTIONAL)
    event_type = _event_type(fields, event_types)
    start, end = fields.date("effective_from"), fields.date("effective_to")
    if start is not None and end is not None and end < start:
        message = gettext("effective_to %(end)s is before effective_from %(start)s") % {"end": end, "start": start}
        fields.error(fields.value_node("effective_to"), message)
    points = _points(fields, event_type)
    rule = Rule(
        id=rule_id or "",
        title_text=fields.translated("title"),
        explanation_text=fields.translated("explanation"),
        event_type=event_type.name if event_type else str(fields.text("event_type", "")),
        when=fields.text("when"),
        condition=_condition(fields, event_type, grades),
        points=points if points is not None else 0,
        cap=_cap(fields),
        effective_from=start,
        effective_to=end,
        legal_basis_text=fields.translated("legal_basis"),
        expires_after=_duration(fields),
        file=reader.file,
        line=node.start_mark.line + 1,
    )
    _warn_unexpiring(fields, rule)
    return rule if rule_id else None


def _event_type(fields, event_types) -> EventType | None:
    name = fields.text("event_type")
    if name is None or event_types is None:
        return None
    if name not in event_types:
        known = ", ".join(event_types)
        fields.error(
            fields.value_node("event_type"),
            gettext("unknown event type '%(name)s' (event types: %(known)s)") % {"name": name, "known": known},
        )
        return None
    return event_types[name]


def _points(fields, event_type: EventType | None) -> int | str | None:
    value = fields.get("points", (int, str), "an integer or a reference like event.points")
    if not isinstance(value, str):
        return value
    match = POINTS_REF.match(value)
    node = fields.value_node("points")
    if match is None:
        fields.error(
            node, gettext("points '%(value)s' must be an integer or a reference like event.points") % {"value": value}
        )
        return None
    if event_type is None:
        return value
    attribute = event_type.attributes.get(match.group(1))
    if attribute is None or attribute.type != "int" or not attribute.required:
        fields.error(
            node,
            gettext("points '%(value)s' must name a required int attribute of '%(name)s'")
            % {"value": value, "name": event_type.name},
        )
        return None
    return value


def _condition(fields, event_type: EventType | None, grades: list[str] | None):
    text = fields.text("when")
    if text is None:
        return None
    node = fields.value_node("when")
    try:
        condition = parse_condition(text)
    except ConditionSyntaxError as exc:
        fields.error(_condition_position(node, exc.col), str(exc))
        return None
    if not _fair(fields, node, condition):
        return None
    if event_type is not None:
        issues = check_condition(condition, _field_types(event_type, grades))
        for col, message in issues:
            fields.error(_condition_position(node, col), message)
        if issues:
            return None
    return condition


def _fair(fields, node, condition) -> bool:
    """Refuse conditions on protected attributes, warn on suspect ones; False if refused."""
    fair = True
    for field in _fields(condition):
        if field.namespace != "citizen":
            continue
        where = _condition_position(node, field.col)
        if field.name in PROTECTED_CITIZEN_ATTRIBUTES:
            fields.error(
                where,
                gettext(
                    "condition on protected attribute '%(path)s': rules may not treat people differently by %(value)s"
                )
                % {"path": field.path, "value": ", ".join(PROTECTED_CITIZEN_ATTRIBUTES)},
            )
            fair = False
        elif field.name in SUSPECT_CITIZEN_ATTRIBUTES:
            fields.reader.report(
                where,
                gettext(
                    "condition on '%(path)s': a place of residence can stand in for a protected attribute; "
                    "make sure the rule is fair and say why in its legal_basis"
                )
                % {"path": field.path},
                fields.rule_id,
                severity="warning",
            )
    return fair


def _fields(condition):
    """Every field a condition names, in order."""
    if isinstance(condition, (And, Or)):
        for item in condition.items:
            yield from _fields(item)
    elif isinstance(condition, Not):
        yield from _fields(condition.item)
    else:
        yield condition.field


def _field_types(event_type: EventType, grades: list[str] | None) -> dict[str, FieldType]:
    types = {f"event.{name}": FieldType(a.type, a.choices) for name, a in event_type.attributes.items()}
    for name, ftype in CITIZEN_FIELDS.items():
        if name == "grade" and grades:
            ftype = FieldType("str", tuple(grades))
        types[f"citizen.{name}"] = ftype
    return types


def _condition_position(node, col: int):
    """File (line, col) of a condition column, when the YAML text maps one-to-one to the value."""
    mark, value = node.start_mark, node.value
    if node.style == "|":
        return _block_position(node, col)
    quote = 1 if node.style in ("'", '"') else 0
    source = mark.buffer[mark.index + quote : node.end_mark.index - quote] if mark.buffer else None
    if node.style in (None, "'", '"') and source == value:
        return mark.line + 1, mark.column + 1 + quote + col - 1
    return node


def _block_position(node, col: int):
    offset, value = col - 1, node.value
    line_in_value = value.count("\n", 0, offset)
    col_in_line = offset - (value.rfind("\n", 0, offset) + 1)
    lines = node.start_mark.buffer.split("\n")
    first = node.start_mark.line + 1
    content = next((ln for ln in lines[first:] if ln.strip()), "")
    indent = len(content) - len(content.lstrip(" "))
    return first + line_in_value + 1, indent + col_in_line + 1


def _cap(fields) -> Cap | None:
    node = fields.value_node("cap")
    if node is None:
        return None
    cap = fields.reader.mapping(node, "cap", fields.rule_id)
    if cap is None:
        return None
    cap.expect(("count", "per"))
    count, per = cap.integer("count"), cap.text("per")
    if count is not None and count < 1:
        cap.error(cap.value_node("count"), gettext("cap count must be at least 1"))
    if per is not None and per not in CAP_PERIODS:
        cap.error(
            cap.value_node("per"), gettext("cap per must be one of: %(periods)s") % {"periods": ", ".join(CAP_PERIODS)}
        )
    if count is None or per not in CAP_PERIODS or count < 1:
        return None
    return Cap(count, per)


def _duration(fields) -> Duration | None:
    text = fields.text("expires_after")
    if text is None:
        return None
    try:
        return Duration.parse(text)
    except ValueError as exc:
        fields.error(fields.value_node("expires_after"), str(exc))
        return None


def _warn_unexpiring(fields, rule: Rule) -> None:
    if isinstance(rule.points, int) and rule.points < 0 and rule.expires_after is None:
        message = gettext("a deduction without expires_after never expires")
        fields.reader.report(fields.node, message, rule.id, "warning")


def _check_engine_limits(reader: FileReader, rules: dict[str, Rule]) -> None:
    """Refuse what durable-rules would reject with a cryptic error code at run time."""
    paths: dict[str, list[tuple[int, Rule]]] = {}
    for rule in rules.values():
        compiled = compile_rule(rule.event_type, rule.condition, rule.effective_from, rule.effective_to)
        if count_groups(compiled) > MAX_GROUPS_PER_RULE:
            reader.report(
                (rule.line, 1),
                gettext("condition too complex for the rules engine: more than %(limit)s and/or groups; split the rule")
                % {"limit": MAX_GROUPS_PER_RULE},
                rule.id,
            )
        paths.setdefault(rule.event_type, []).append((max_paths(compiled), rule))
    for event_type, counted in paths.items():
        total = sum(n for n, _ in counted)
        if total > MAX_PATHS_PER_EVENT:
            worst = max(counted, key=lambda pair: pair[0])[1]
            message = gettext(
                "the rules for '%(event_type)s' can match one event along %(total)s paths; the engine allows "
                "%(limit)s: simplify the 'or's"
            ) % {"event_type": event_type, "total": total, "limit": MAX_PATHS_PER_EVENT}
            reader.report((worst.line, 1), message, worst.id)
