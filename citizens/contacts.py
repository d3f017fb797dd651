"""Contacts in the register: how a mobile number, an email address, a preferred channel and the
consent to electronic notices are checked, the same way for the CSV import and the admin."""
import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import to_python

CONTACT_FIELDS = ["mobile", "email", "postal_address", "preferred_channel", "contact_consent", "contact_consent_at"]
# CSV column -> model field; every column is optional.
CSV_CONTACT_COLUMNS = {"mobile": "mobile", "email": "email", "postal_address": "postal_address",
                       "preferred_channel": "preferred_channel", "consent": "contact_consent",
                       "consent_at": "contact_consent_at"}
_YES, _NO = {"yes", "y", "true", "1"}, {"no", "n", "false", "0", ""}
_NEEDS = {"email": "email", "sms": "mobile", "letter": "postal_address"}


def mobile_problem(text: str) -> str | None:
    """Why ``text`` is not a valid mobile number (China unless it starts with +), or None."""
    number = to_python(text, region="CN")
    if number is None or not number.is_valid():
        return _("mobile %(value)r is not a valid phone number") % {"value": text}
    return None


def email_problem(text: str) -> str | None:
    try:
        validate_email(text)
    except ValidationError:
        return _("email %(value)r is not a valid email address") % {"value": text}
    return None


def contacts_problem(values: dict) -> str | None:
    """Why these contact values do not fit together, or None: the preferred channel needs its
    address, and consent needs the time it was given."""
    channel = values.get("preferred_channel") or ""
    if channel and channel not in _NEEDS:
        return _("preferred_channel must be one of %(choices)s, not %(value)r") % {
            "choices": ", ".join(_NEEDS), "value": channel}
    if channel and not values.get(_NEEDS[channel]):
        return _("preferred_channel %(channel)s needs %(field)s") % {"channel": channel, "field": _NEEDS[channel]}
    if values.get("contact_consent") and not values.get("contact_consent_at"):
        return _("consent needs consent_at, the time it was given")
    return None


def parse_contact_columns(row: dict) -> dict:
    """The contact fields of one CSV row (only the columns present); raise ValueError with the reason."""
    raw = {field: (row.get(column) or "").strip() for column, field in CSV_CONTACT_COLUMNS.items() if column in row}
    values = dict(raw)
    if raw.get("mobile"):
        problem = mobile_problem(raw["mobile"])
        if problem:
            raise ValueError(problem)
        values["mobile"] = to_python(raw["mobile"], region="CN").as_e164
    if raw.get("email"):
        problem = email_problem(raw["email"])
        if problem:
            raise ValueError(problem)
    if "contact_consent" in raw:
        values["contact_consent"] = _consent(raw["contact_consent"])
    if "contact_consent_at" in raw:
        values["contact_consent_at"] = _moment(raw["contact_consent_at"]) if values.get("contact_consent") else None
    problem = contacts_problem(values)
    if problem:
        raise ValueError(problem)
    return values


def _consent(text: str) -> bool:
    if text.lower() in _YES:
        return True
    if text.lower() in _NO:
        return False
    raise ValueError(_("consent must be yes or no, not %(value)r") % {"value": text})


def _moment(text: str):
    if not text:
        return None
    try:
        moment = parse_datetime(text) or datetime.datetime.combine(datetime.date.fromisoformat(text),
                                                                   datetime.time())
    except ValueError:
        moment = None
    if moment is None:
        raise ValueError(_("consent_at %(value)r is not a date or time (YYYY-MM-DD[THH:MM])") % {"value": text})
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def contact_value(citizen, field: str) -> str:
    """A contact field as text, for the change history."""
    value = getattr(citizen, field)
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return str(value)
