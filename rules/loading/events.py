"""events.yaml: the agencies and the event types they may report, with attribute schemas."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import MappingProxyType

import yaml
from django.utils.translation import gettext

from rules.loading.reader import FileReader, type_name
from rules.policy import AttributeSpec, EventType, Lift
from rules.schema import VALUE_TYPES
from rules.texts import Text

NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
# durable-rules allows 255 properties per fact; keep room for the fixed ones and the citizen.
MAX_ATTRIBUTES = 200


@dataclass
class EventsSection:
    agencies: dict[str, Text] = field(default_factory=dict)
    event_types: dict[str, EventType] = field(default_factory=dict)


def load_events(reader: FileReader, root) -> EventsSection:
    section = EventsSection()
    top = reader.mapping(root, "events.yaml")
    if top is None:
        return section
    top.expect(("agencies", "event_types"))
    section.agencies = _agencies(reader, top.value_node("agencies"))
    types = reader.mapping(top.value_node("event_types"), "event_types") if top.has("event_types") else None
    lifts: dict = {}  # event type name -> the Fields of its 'lifts' mapping, for located errors
    for name, (key_node, node) in (types.entries if types else {}).items():
        if not NAME.match(name):
            reader.report(
                key_node,
                gettext("event type name '%(name)s' must be lower_case letters, digits and _") % {"name": name},
            )
            continue
        event_type = _event_type(reader, name, node, section.agencies, lifts)
        if event_type is not None:
            section.event_types[name] = event_type
    _check_lifts(lifts, section.event_types)
    return section


def _agencies(reader: FileReader, node) -> dict[str, Text]:
    agencies = reader.mapping(node, "agencies") if node is not None else None
    result: dict[str, Text] = {}
    for code in agencies.entries if agencies else {}:
        if not NAME.match(code):
            reader.report(
                agencies.entries[code][0],
                gettext("agency code '%(code)s' must be lower_case letters, digits and _") % {"code": code},
            )
        else:
            result[code] = agencies.translated(code)
    return result


def _event_type(reader: FileReader, name: str, node, agencies: dict[str, str], lifts: dict) -> EventType | None:
    fields = reader.mapping(node, f"event type '{name}'")
    if fields is None:
        return None
    fields.expect(("title", "description", "reported_by", "attributes"), ("system", "lifts"))
    system = fields.boolean("system", False)
    listed = fields.string_list("reported_by")
    reported_by = [code for code, item in listed or [] if _agency_ok(fields, code, item, agencies)]
    where = fields.value_node("reported_by")
    if system and listed:
        fields.error(where, gettext("system event type '%(name)s' must have reported_by: []") % {"name": name})
    elif not system and listed == []:
        fields.error(where, gettext("nobody may report event type '%(name)s': name an agency") % {"name": name})
    attributes = _attributes(reader, name, fields.value_node("attributes"))
    return EventType(
        name=name,
        title_text=fields.translated("title"),
        description_text=fields.translated("description"),
        reported_by=tuple(reported_by),
        attributes=MappingProxyType(attributes),
        system=bool(system),
        file=reader.file,
        line=node.start_mark.line + 1,
        lifts=_lift(fields, name, lifts),
    )


def _lift(fields, name: str, lifts: dict) -> Lift | None:
    """``lifts: {event_type: ..., date_attribute: ...}``; checked against the other types in ``_check_lifts``."""
    if not fields.has("lifts"):
        return None
    lift = fields.reader.mapping(fields.value_node("lifts"), f"'lifts' of event type '{name}'")
    if lift is None:
        return None
    lift.expect(("event_type", "date_attribute"))
    target, date_attribute = lift.text("event_type"), lift.text("date_attribute")
    if target is None or date_attribute is None:
        return None
    lifts[name] = lift
    return Lift(event_type=target, date_attribute=date_attribute)


def _check_lifts(lifts: dict, event_types: dict[str, EventType]) -> None:
    """A lift names another, known event type, and a required date attribute of its own type."""
    for name, where in lifts.items():
        event_type = event_types.get(name)
        if event_type is None:
            continue
        lift = event_type.lifts
        if lift.event_type == event_type.name:
            where.error(
                where.value_node("event_type"),
                gettext("event type '%(name)s' cannot lift itself") % {"name": event_type.name},
            )
        elif lift.event_type not in event_types:
            where.error(
                where.value_node("event_type"),
                gettext("'%(name)s' lifts unknown event type '%(event_type)s'")
                % {"name": event_type.name, "event_type": lift.event_type},
            )
        attribute = event_type.attributes.get(lift.date_attribute)
        if attribute is None or attribute.type != "date" or not attribute.required:
            where.error(
                where.value_node("date_attribute"),
                gettext("date_attribute '%(date_attribute)s' must be a required date attribute of '%(name)s'")
                % {"date_attribute": lift.date_attribute, "name": event_type.name},
            )


def _agency_ok(fields, code: str, item, agencies: dict[str, str]) -> bool:
    if not NAME.match(code):
        fields.error(item, gettext("agency code '%(code)s' must be lower_case letters, digits and _") % {"code": code})
        return False
    if code not in agencies:
        fields.error(
            item,
            gettext("unknown agency '%(code)s' (declared agencies: %(agencies)s)")
            % {"code": code, "agencies": ", ".join(agencies) or "none"},
        )
        return False
    return True


def _attributes(reader: FileReader, event_name: str, node) -> dict[str, AttributeSpec]:
    if node is None:
        return {}
    mapping = reader.mapping(node, f"attributes of '{event_name}'")
    if mapping is None:
        return {}
    if len(mapping.entries) > MAX_ATTRIBUTES:
        mapping.error(
            node,
            gettext("event type '%(event_name)s' has more than %(limit)s attributes")
            % {"event_name": event_name, "limit": MAX_ATTRIBUTES},
        )
    result = {}
    for attr_name, (key_node, attr_node) in mapping.entries.items():
        if not NAME.match(attr_name):
            reader.report(
                key_node,
                gettext("attribute name '%(attr_name)s' must be lower_case letters, digits and _")
                % {"attr_name": attr_name},
            )
            continue
        spec = _attribute(reader, event_name, attr_name, attr_node)
        if spec is not None:
            result[attr_name] = spec
    return result


def _attribute(reader: FileReader, event_name: str, name: str, node) -> AttributeSpec | None:
    fields = reader.mapping(node, f"attribute '{event_name}.{name}'")
    if fields is None:
        return None
    fields.expect(("type",), ("required", "choices", "min", "max", "description", "label"))
    kind = fields.text("type")
    if kind is None:
        return None
    if kind not in VALUE_TYPES:
        fields.error(
            fields.value_node("type"),
            gettext("unknown type '%(kind)s' (types: %(types)s)") % {"kind": kind, "types": ", ".join(VALUE_TYPES)},
        )
        return None
    low, high = _bounds(fields, kind)
    return AttributeSpec(
        name=name,
        type=kind,
        required=bool(fields.boolean("required", False)),
        choices=_choices(fields, kind),
        min=low,
        max=high,
        description_text=fields.translated("description"),
        label_text=fields.translated("label"),
    )


def _bounds(fields, kind: str) -> tuple:
    if kind not in ("int", "float"):
        for key in ("min", "max"):
            if fields.has(key):
                fields.error(
                    fields.value_node(key), gettext("'%(key)s' applies only to int and float attributes") % {"key": key}
                )
        return None, None
    kinds = (int,) if kind == "int" else (int, float)
    low = fields.get("min", kinds, "a number")
    high = fields.get("max", kinds, "a number")
    if low is not None and high is not None and low > high:
        fields.error(
            fields.value_node("max"), gettext("max (%(high)s) is below min (%(low)s)") % {"high": high, "low": low}
        )
    return low, high


def _choices(fields, kind: str) -> tuple | None:
    node = fields.value_node("choices")
    if node is None:
        return None
    if kind not in ("str", "int"):
        fields.error(node, gettext("'choices' applies only to str and int attributes"))
        return None
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        fields.error(node, gettext("'choices' must be a non-empty list"))
        return None
    values = [(fields.reader.value(item), item) for item in node.value]
    wanted = str if kind == "str" else int
    for value, item in values:
        if type(value) is not wanted:
            fields.error(
                item,
                gettext("choice %(value)r is %(value_type)s, but the attribute is %(kind)s")
                % {"value": value, "value_type": type_name(value), "kind": kind},
            )
    return tuple(v for v, _ in values)
