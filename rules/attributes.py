"""Validation of the attributes an agency reports with an event, against its event type."""
from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping

from rules.errors import AttributeValidationError
from rules.schema import INT_MAX, INT_MIN

MAX_STRING_LENGTH = 2000
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def validate_attributes(spec, attributes: Mapping[str, object]) -> dict:
    """Cleaned values (ISO date strings become dates; None means absent) or AttributeValidationError."""
    if not isinstance(attributes, Mapping):
        raise AttributeValidationError({"attributes": "must be an object"})
    errors: dict[str, str] = {}
    cleaned: dict[str, object] = {}
    for name, value in attributes.items():
        attr = spec.attributes.get(name)
        if attr is None:
            errors[str(name)] = f"unknown attribute for event type {spec.name!r}"
        elif value is not None:
            try:
                cleaned[name] = _clean(attr, value)
            except ValueError as exc:
                errors[name] = str(exc)
    for name, attr in spec.attributes.items():
        if attr.required and attributes.get(name) is None and name not in errors:
            errors[name] = "this attribute is required"
    if errors:
        raise AttributeValidationError(errors)
    return cleaned


def _clean(attr, value: object) -> object:
    value = _CONVERTERS[attr.type](value)
    if attr.choices is not None and value not in attr.choices:
        raise ValueError(f"must be one of: {', '.join(str(c) for c in attr.choices)}")
    if attr.min is not None and value < attr.min:
        raise ValueError(f"must be at least {attr.min}")
    if attr.max is not None and value > attr.max:
        raise ValueError(f"must be at most {attr.max}")
    return value


def _int(value: object) -> int:
    if type(value) is not int:
        raise ValueError(f"must be an integer, not {_kind(value)}")
    if not INT_MIN <= value <= INT_MAX:
        raise ValueError("is out of range")
    return value


def _float(value: object) -> float:
    if type(value) not in (int, float) or not math.isfinite(value):
        raise ValueError(f"must be a number, not {_kind(value)}")
    return float(value)


def _str(value: object) -> str:
    if type(value) is not str:
        raise ValueError(f"must be a string, not {_kind(value)}")
    if len(value) > MAX_STRING_LENGTH:
        raise ValueError(f"must be at most {MAX_STRING_LENGTH} characters")
    return value


def _bool(value: object) -> bool:
    if type(value) is not bool:
        raise ValueError(f"must be true or false, not {_kind(value)}")
    return value


def _date(value: object) -> dt.date:
    if type(value) is dt.date:
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError("must be a date written YYYY-MM-DD")


def _kind(value: object) -> str:
    names = {bool: "a boolean", str: "a string", int: "an integer", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


_CONVERTERS = {"int": _int, "float": _float, "str": _str, "bool": _bool, "date": _date}
