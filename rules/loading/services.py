"""services.yaml: public services and what each grade means for them."""

from __future__ import annotations

from types import MappingProxyType

from django.utils.translation import gettext

from rules.loading.events import NAME
from rules.loading.reader import FileReader
from rules.policy import DECISIONS, Effect, Service


def load_services(reader: FileReader, root, grades: list[str] | None) -> dict[str, Service]:
    """Services by code; ``grades`` is None when grades.yaml failed (then grades are not checked)."""
    top = reader.mapping(root, "services.yaml")
    if top is None:
        return {}
    top.expect(("services",))
    services = reader.mapping(top.value_node("services"), "services") if top.has("services") else None
    result: dict[str, Service] = {}
    for code, (key_node, node) in (services.entries if services else {}).items():
        if not NAME.match(code):
            reader.report(
                key_node, gettext("service code '%(code)s' must be lower_case letters, digits and _") % {"code": code}
            )
            continue
        service = _service(reader, code, node, grades)
        if service is not None:
            result[code] = service
    return result


def _service(reader: FileReader, code: str, node, grades: list[str] | None) -> Service | None:
    fields = reader.mapping(node, f"service '{code}'")
    if fields is None:
        return None
    fields.expect(("name", "effects"), ("description", "disclose_score"))
    effects = _effects(reader, code, fields.value_node("effects"), grades)
    return Service(
        code=code,
        name_text=fields.translated("name"),
        description_text=fields.translated("description"),
        effects=MappingProxyType(effects),
        file=reader.file,
        line=node.start_mark.line + 1,
        # Off unless the policy says so: a service agency gets the decision, not the person's score.
        disclose_score=fields.boolean("disclose_score", False),
    )


def _effects(reader: FileReader, code: str, node, grades: list[str] | None) -> dict[str, Effect]:
    if node is None:
        return {}
    mapping = reader.mapping(node, f"effects of '{code}'")
    if mapping is None:
        return {}
    effects = {}
    for grade, (key_node, value_node) in mapping.entries.items():
        if grades is not None and grade not in grades:
            known = ", ".join(grades)
            reader.report(
                key_node,
                gettext("unknown grade '%(grade)s' in service '%(code)s' (grades: %(known)s)")
                % {"grade": grade, "code": code, "known": known},
            )
            continue
        effect = _effect(reader, code, grade, value_node)
        if effect is not None:
            effects[grade] = effect
    for grade in grades or []:
        if grade not in mapping.entries:
            reader.report(
                node, gettext("service '%(code)s' says nothing for grade %(grade)s") % {"code": code, "grade": grade}
            )
    return effects


def _effect(reader: FileReader, code: str, grade: str, node) -> Effect | None:
    fields = reader.mapping(node, f"effect of grade {grade} on '{code}'")
    if fields is None:
        return None
    fields.expect(("decision",), ("note",))
    decision = fields.text("decision")
    if decision is None:
        return None
    if decision not in DECISIONS:
        known = ", ".join(DECISIONS)
        fields.error(
            fields.value_node("decision"),
            gettext("unknown decision '%(decision)s' (decisions: %(known)s)") % {"decision": decision, "known": known},
        )
        return None
    return Effect(decision, fields.translated("note"), reader.file, node.start_mark.line + 1)
