"""What a condition may look at: attribute value types and the citizen's own record.

Only a person's own record counts, so the citizen schema lists nothing about
relatives, contacts or neighbours, and the engine refuses any other key.
"""
from __future__ import annotations

from dataclasses import dataclass

VALUE_TYPES = ("int", "float", "str", "bool", "date")
NUMERIC_TYPES = frozenset({"int", "float"})
ORDERED_TYPES = frozenset({"int", "float", "date"})

# durable-rules keeps integers as C int64.
INT_MIN = -(2**63)
INT_MAX = 2**63 - 1


@dataclass(frozen=True)
class FieldType:
    """The type of one field a condition can name, with its allowed values if restricted."""

    type: str
    choices: tuple | None = None


CITIZEN_FIELDS: dict[str, FieldType] = {
    "age": FieldType("int"),  # whole years on the day the event occurred
    "district": FieldType("str"),
    "sex": FieldType("str", ("M", "F")),
    "score": FieldType("int"),  # points before this event
    "grade": FieldType("str"),  # choices come from the policy's grade bands
    "status": FieldType("str"),
}

NAMESPACES = ("event", "citizen")

# Fair rules: no condition may treat people differently by these attributes of theirs, whether
# or not the register holds them (``rules check`` refuses the rule).
PROTECTED_CITIZEN_ATTRIBUTES = ("sex", "ethnicity", "religion")
# Allowed, but ``rules check`` warns: a place of residence can stand in for a protected attribute.
SUSPECT_CITIZEN_ATTRIBUTES = ("district",)
