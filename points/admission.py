"""The one admission check: whether a report may be recorded, the same for every channel.

Every report (API single or batch, file ingest, the admin's adjustments, corrections) passes, in order:

1. ``check_static``, without the database: the idempotency key (1 to ``MAX_KEY_LENGTH`` characters),
   the time of the event (ISO 8601 with a time zone), the attributes' shape (a JSON object storable
   by PostgreSQL, names and nesting bounded);
2. ``replay_or_conflict`` against an earlier event with the agency's key: the same report is
   answered with its original result, another one is refused naming that ``event_id``;
3. ``check_locked``, holding the citizen's row lock: the citizen exists, is enrolled and active, the
   agency may report the event type, the attributes fit the policy, the time is not in the future
   nor (unless migrated) before enrolment.

The errors are ``core.exceptions`` with the same code and fields on every channel.
"""
import datetime
import hashlib
import json
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from citizens.models import Citizen
from citizens.validators import resident_id_problem
from core.exceptions import ApplicationError, Forbidden, IdempotencyConflict, NotEnrolled, NotFound, ValidationFailed
from points.db import bulk
from points.models import Agency, Event
from rules.errors import AttributeValidationError

MAX_KEY_LENGTH = 128
MAX_ATTRIBUTE_NAME = 100
MAX_NESTING = 5


@dataclass(eq=False)
class Report:
    """One report on its way through the pipeline: what was reported, then what the checks found."""

    agency: Agency
    resident_id: str
    event_type: str
    occurred_at: object  # a datetime or its ISO 8601 text; ``check_static`` leaves a datetime
    attributes: dict
    key: str
    reported_by: object = None
    corrects: Event | None = None
    migrated: bool = False
    fingerprint: str = ""
    citizen: Citizen | None = field(default=None, repr=False)
    cleaned: dict | None = None


def check_static(report: Report) -> None:
    """Step 1 (see the module docstring); sets the parsed time and the report's fingerprint."""
    check_key(report.key)
    report.occurred_at = parse_time(report.occurred_at)
    report.attributes = check_attributes_shape({} if report.attributes is None else report.attributes)
    if not isinstance(report.resident_id, str) or not isinstance(report.event_type, str):
        raise ValidationFailed("resident_id and event_type must be texts.",
                               field_errors={name: ["must be a text"] for name in ("resident_id", "event_type")
                                             if not isinstance(getattr(report, name), str)})
    report.fingerprint = report_fingerprint(report.resident_id, report.event_type, report.occurred_at,
                                            report.attributes)


def check_key(key) -> None:
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(
            f"An idempotency key of 1 to {MAX_KEY_LENGTH} characters is required.",
            field_errors={"idempotency_key": [f"required, 1 to {MAX_KEY_LENGTH} characters"]},
        )


def parse_time(value) -> datetime.datetime:
    """``occurred_at`` as an aware datetime, from a datetime or ISO 8601 text; a naive one is refused.

    Text is read in the current time zone (as the API always read it), so one report sent as
    ``...Z`` or as ``...+08:00`` has one fingerprint on every channel.
    """
    parsed = value if isinstance(value, datetime.datetime) else None
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
    if parsed is None or timezone.is_naive(parsed):
        raise ValidationFailed("occurred_at must be an ISO 8601 date-time with a time zone.",
                               field_errors={"occurred_at": ["ISO 8601 date-time with a time zone"]})
    return timezone.localtime(parsed) if isinstance(value, str) else parsed


def check_attributes_shape(attributes) -> dict:
    """The attributes if they are a JSON object PostgreSQL can store, with bounded names and nesting."""
    if not isinstance(attributes, dict):
        raise ValidationFailed("attributes must be an object.", field_errors={"attributes": ["must be an object"]})
    if any(len(str(name)) > MAX_ATTRIBUTE_NAME for name in attributes):
        raise _bad_attributes(f"Attribute names are at most {MAX_ATTRIBUTE_NAME} characters.")
    _check_value(attributes, 0)
    return attributes


def _check_value(value, depth: int) -> None:
    if depth > MAX_NESTING:
        raise _bad_attributes(f"Attributes may be nested at most {MAX_NESTING} levels deep.")
    if isinstance(value, str):
        if not _storable(value):
            raise _bad_attributes("Attribute names and texts may not contain NUL characters or unpaired surrogates.")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_value(key, depth + 1)
            _check_value(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_value(item, depth + 1)


def _storable(text: str) -> bool:
    """Whether PostgreSQL can store the text (no NUL, valid UTF-8)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _bad_attributes(message: str) -> ValidationFailed:
    return ValidationFailed(message, field_errors={"attributes": [message]})


def earlier_events(reports) -> dict:
    """``{(agency id, key): event}`` for the reports' keys used before."""
    return earlier_found(bulk.read_together(*earlier_reads(reports)))


def earlier_reads(reports) -> list:
    """The reads that find the reports' keys used before (``bulk.read_together``; ``earlier_found``
    reads their results). One per agency, so the (agency, key) unique index answers each key."""
    keys_by_agency = {}
    for report in reports:
        keys_by_agency.setdefault(report.agency.pk, []).append(report.key)
    return [bulk.FilterIn(Event, {"agency_id": agency_id}, "idempotency_key", keys)
            for agency_id, keys in keys_by_agency.items()]


def earlier_found(results) -> dict:
    return {(event.agency_id, event.idempotency_key): event for events in results for event in events}


def replay_or_conflict(report: Report, earlier: Event) -> Event:
    """Step 2: ``earlier`` if it recorded this very report, else ``IdempotencyConflict`` naming it."""
    if earlier.fingerprint != report.fingerprint:
        raise IdempotencyConflict(
            f"Idempotency key '{report.key}' was already used for a different report (event {earlier.pk}).",
            extra={"event_id": earlier.pk},
        )
    return earlier


def check_locked(report: Report, citizen: Citizen | None, policy, now) -> dict:
    """Step 3, on the locked citizen row (None: no such citizen); the cleaned attributes."""
    if citizen is None:
        raise citizen_missing(report.resident_id)
    return validate_report(agency=report.agency, citizen=citizen, event_type=report.event_type,
                           occurred_at=report.occurred_at, attributes=report.attributes, policy=policy, now=now,
                           migrated=report.migrated)


def citizen_missing(resident_id) -> ApplicationError:
    """The error for a resident ID no citizen has: malformed (400) or unknown (404)."""
    problem = resident_id_problem(resident_id)
    if problem:
        return ValidationFailed(f"Invalid resident ID number: {problem}.", field_errors={"resident_id": [problem]})
    return NotFound(f"No citizen with resident ID {resident_id}.", field_errors={"resident_id": ["unknown citizen"]})


def validate_report(*, agency, citizen, event_type, occurred_at, attributes, policy, now, migrated=False) -> dict:
    """Check who may report what, when, about whom; return the cleaned attributes.

    A ``migrated`` event (loaded from an earlier register) may have occurred before enrolment.
    """
    check_agency_may_report(agency, event_type, policy)
    cleaned = clean_attributes(policy, event_type, attributes)
    occurred_at = parse_time(occurred_at)
    if occurred_at > now:
        raise ValidationFailed("occurred_at is in the future.",
                               field_errors={"occurred_at": ["must not be in the future"]})
    check_scorable(citizen)
    if occurred_at < citizen.enrolled_at and not migrated:
        raise ValidationFailed("occurred_at is before the citizen was enrolled.",
                               field_errors={"occurred_at": ["must not be before enrolment"]})
    return cleaned


def check_agency_may_report(agency: Agency, event_type: str, policy) -> None:
    spec = policy.event_types.get(event_type)
    if spec is None:
        raise ValidationFailed(
            f"Unknown event type '{event_type}'.",
            field_errors={"event_type": [f"must be one of: {', '.join(sorted(policy.event_types))}"]},
        )
    if not agency.is_active:
        raise Forbidden(f"Agency {agency.code} is deactivated.")
    if spec.system:
        if agency.kind != Agency.Kind.SYSTEM:
            raise Forbidden(f"Event type '{event_type}' is recorded by the register only.")
        return
    if event_type not in agency.event_types or agency.code not in spec.reported_by:
        raise Forbidden(f"Agency {agency.code} may not report '{event_type}'.")


def clean_attributes(policy, event_type: str, attributes) -> dict:
    if not isinstance(attributes, dict):
        raise ValidationFailed("attributes must be an object.", field_errors={"attributes": ["must be an object"]})
    try:
        return policy.validate_attributes(event_type, attributes)
    except AttributeValidationError as exc:
        errors = {f"attributes.{name}": [message] for name, message in exc.field_errors.items()}
        raise ValidationFailed("Some event attributes are invalid.", field_errors=errors) from None


def check_scorable(citizen: Citizen) -> None:
    if not citizen.is_enrolled:
        raise NotEnrolled(f"Citizen {citizen.resident_id} is not enrolled (under 14 or not yet registered).")
    if citizen.status != Citizen.Status.ACTIVE:
        raise NotEnrolled(f"Citizen {citizen.resident_id} is {citizen.get_status_display()}.")


def report_fingerprint(resident_id, event_type, occurred_at, attributes) -> str:
    when = occurred_at.isoformat() if isinstance(occurred_at, datetime.datetime) else str(occurred_at)
    payload = json.dumps([resident_id, event_type, when, attributes], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def jsonable_attributes(values: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in values.items()}
