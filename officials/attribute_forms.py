"""Form fields generated from an event type's attribute schema (``rules.policy.AttributeSpec``).

An official corrects an event by filling in typed fields (a number box, a list of choices, a date),
never by editing JSON; the values go to the service as the attributes object it validates.
"""
import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

PREFIX = "attribute_"


def _field_for(spec) -> forms.Field:
    common = {"required": spec.required, "label": spec.label, "help_text": spec.description}
    if spec.choices is not None:
        blank = [] if spec.required else [("", _("— not given —"))]
        return forms.TypedChoiceField(choices=blank + [(str(c), str(c)) for c in spec.choices],
                                      coerce=_choice_coercer(spec), empty_value=None, **common)
    if spec.type == "int":
        return forms.IntegerField(min_value=spec.min, max_value=spec.max, **common)
    if spec.type == "float":
        return forms.FloatField(min_value=spec.min, max_value=spec.max, **common)
    if spec.type == "bool":
        return forms.NullBooleanField(widget=forms.Select(choices=[
            ("unknown", _("— not given —")), ("true", _("yes")), ("false", _("no"))]), **common)
    if spec.type == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    return forms.CharField(widget=forms.TextInput(attrs={"size": 60}), **common)


def _choice_coercer(spec):
    by_text = {str(c): c for c in spec.choices}
    return lambda text: by_text[text]


def attribute_fields(event_type) -> dict:
    """Form field name → field, one per attribute of ``event_type``, in the schema's order."""
    return {PREFIX + name: _field_for(spec) for name, spec in event_type.attributes.items()}


def attribute_initial(event_type, attributes: dict) -> dict:
    """The form's initial values for an event's stored attributes."""
    initial = {}
    for name, spec in event_type.attributes.items():
        value = (attributes or {}).get(name)
        if spec.type == "date" and isinstance(value, str):
            value = datetime.date.fromisoformat(value)
        if spec.choices is not None and value is not None:
            value = str(value)
        initial[PREFIX + name] = value
    return initial


def attributes_from(cleaned_data: dict) -> dict:
    """The attributes object for the service: given values only, dates as ISO strings."""
    attributes = {}
    for key, value in cleaned_data.items():
        if not key.startswith(PREFIX) or value is None or value == "":
            continue
        attributes[key[len(PREFIX):]] = value.isoformat() if isinstance(value, datetime.date) else value
    return attributes


def field_for_error(key: str) -> str | None:
    """The form field a service's ``attributes.<name>`` (or ``<name>``) error belongs to."""
    return PREFIX + key.removeprefix("attributes.")
