"""Writes: enrolment, event reports, retractions and voids.

``event_report`` is the only way an event changes points: the API, the admin
and the bulk commands all call it (or its batch twin ``events_ingest``).
Every write happens in one transaction holding the citizen's row lock, so the
ledger, the cached score and the grade never disagree, and concurrent reports
for one citizen serialise on PostgreSQL.
"""
import datetime
import hashlib
import json
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Subquery
from django.utils import timezone

from citizens.models import Citizen
from core.exceptions import (
    ApplicationError,
    Forbidden,
    IdempotencyConflict,
    InvalidState,
    NotEnrolled,
    NotFound,
    ValidationFailed,
)
from points import bulk, ledger
from points.duties import check_may_retract, check_may_void, holds
from points.models import Agency, Event, LedgerEntry
from points.selectors import citizen_get
from rules.errors import AttributeValidationError
from rules.registry import current_policy
from rules.values import age_on

SYSTEM_AGENCY_CODE = "register"
ENROLMENT_EVENT_TYPE = "enrolment"
ENROLMENT_AGE = 14
MAX_KEY_LENGTH = 128


@dataclass(frozen=True)
class ReportResult:
    """What a report did: the event, the entries it caused, the citizen's new standing."""

    event: Event
    entries: list
    score: int
    grade: str
    created: bool


def system_agency() -> Agency:
    """The register itself, which reports enrolments and official adjustments."""
    agency, _ = Agency.objects.get_or_create(
        code=SYSTEM_AGENCY_CODE, defaults={"name": "Citizen register", "kind": Agency.Kind.SYSTEM}
    )
    return agency


# --- enrolment -------------------------------------------------------------


def citizen_enroll(*, citizen: Citizen, at: datetime.datetime | None = None) -> LedgerEntry:
    """Enrol a citizen aged 14 or over with the policy's starting points (idempotent)."""
    at = at or timezone.now()
    with transaction.atomic():
        citizen = Citizen.objects.select_for_update().get(pk=citizen.pk)
        if citizen.is_enrolled:
            return LedgerEntry.objects.get(citizen=citizen, kind=LedgerEntry.Kind.OPENING)
        _check_can_enrol(citizen, timezone.localdate(at))
        return _enrol_locked([citizen], at=at, policy=current_policy())[0]


def _check_can_enrol(citizen: Citizen, today: datetime.date) -> None:
    if citizen.status != Citizen.Status.ACTIVE:
        raise NotEnrolled(f"Citizen {citizen.resident_id} is {citizen.get_status_display()}.")
    if age_on(citizen.birth_date, today) < ENROLMENT_AGE:
        raise NotEnrolled(f"Citizen {citizen.resident_id} is under {ENROLMENT_AGE} and cannot be enrolled.")


def citizens_enroll_due(*, at: datetime.datetime | None = None, batch_size: int = 1000, progress=None) -> int:
    """Enrol every active citizen who is 14 or over and not yet enrolled; returns how many.

    Safe to run again at any time: enrolled citizens are skipped.
    """
    at = at or timezone.now()
    cutoff = _years_before(timezone.localdate(at), ENROLMENT_AGE)
    due = Citizen.objects.filter(enrolled_at__isnull=True, status=Citizen.Status.ACTIVE, birth_date__lte=cutoff)
    ids = list(due.order_by("pk").values_list("pk", flat=True))
    policy = current_policy()
    enrolled = 0
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            batch = list(
                Citizen.objects.select_for_update()
                .filter(pk__in=ids[start:start + batch_size], enrolled_at__isnull=True)
                .order_by("pk")
            )
            enrolled += len(_enrol_locked(batch, at=at, policy=policy))
        if progress:
            progress(len(ids[start:start + batch_size]))
    return enrolled


def _enrol_locked(citizens: list, *, at, policy) -> list:
    """Opening events and entries for locked, unenrolled citizens, written in bulk."""
    ledger.record_policy_version(policy)
    agency = system_agency()
    events = bulk.insert_all(Event, [
        bulk.build(Event, citizen=c, event_type=ENROLMENT_EVENT_TYPE, occurred_at=at, reported_at=at, agency=agency,
                   idempotency_key=f"enrolment:{c.resident_id}", policy_version=policy.version,
                   fingerprint=report_fingerprint(c.resident_id, ENROLMENT_EVENT_TYPE, at, {}))
        for c in citizens
    ])
    entries = []
    for citizen, event in zip(citizens, events, strict=True):
        citizen.enrolled_at, citizen.score = at, 0
        entries.append(ledger.new_entry(
            citizen=citizen, event=event, rule_id="starting_points", rule_title="Starting points on enrolment",
            policy_version=policy.version, delta=policy.starting_points, kind=LedgerEntry.Kind.OPENING, at=at,
        ))
    bulk.insert_all(LedgerEntry, entries)
    ledger.save_standings(changes=[(c, [e]) for c, e in zip(citizens, entries, strict=True)], policy=policy, at=at)
    return entries


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# --- reporting -------------------------------------------------------------


def event_report(
    *,
    agency: Agency,
    resident_id: str,
    event_type: str,
    occurred_at: datetime.datetime,
    attributes: dict | None = None,
    idempotency_key: str,
    reported_by=None,
    now: datetime.datetime | None = None,
    corrects: Event | None = None,
    migrated: bool = False,
) -> ReportResult:
    """Record one report and apply every rule it matches; atomic and idempotent.

    Resending the same key with the same content returns the original result
    (``created=False``); the same key with other content raises
    ``IdempotencyConflict``. ``corrects`` links a corrected report to the voided event it
    replaces (``points.corrections``). ``migrated``: the event comes from an earlier register and may
    predate enrolment (``ingest_events --migrated``; docs/due-process.md, "Migrated records").
    """
    now = now or timezone.now()
    attributes = attributes or {}
    _check_key(idempotency_key)
    fingerprint = report_fingerprint(resident_id, event_type, occurred_at, attributes)
    report = _Report(agency, resident_id, event_type, occurred_at, attributes, idempotency_key, fingerprint,
                     reported_by, now, corrects, migrated)
    try:
        with transaction.atomic():
            return _report_locked(report, current_policy())
    except IntegrityError:
        # A concurrent request with the same key committed after the locking statement looked for it
        # (PostgreSQL's row lock returns the newest row, but the statement's snapshot is older).
        replay = _replay(agency, idempotency_key, fingerprint)
        if replay:
            return replay
        raise


def validate_report(*, agency, citizen, event_type, occurred_at, attributes, policy, now, migrated=False) -> dict:
    """Check who may report what, when, about whom; return the cleaned attributes.

    A ``migrated`` event (loaded from an earlier register) may have occurred before enrolment.
    """
    _check_agency_may_report(agency, event_type, policy)
    cleaned = _clean_attributes(policy, event_type, attributes)
    if not isinstance(occurred_at, datetime.datetime) or timezone.is_naive(occurred_at):
        raise ValidationFailed("occurred_at must be a date-time with a time zone.",
                               field_errors={"occurred_at": ["must be a date-time with a time zone"]})
    if occurred_at > now:
        raise ValidationFailed("occurred_at is in the future.",
                               field_errors={"occurred_at": ["must not be in the future"]})
    _check_scorable(citizen)
    if occurred_at < citizen.enrolled_at and not migrated:
        raise ValidationFailed("occurred_at is before the citizen was enrolled.",
                               field_errors={"occurred_at": ["must not be before enrolment"]})
    return cleaned


@dataclass(frozen=True)
class _Report:
    """``event_report``'s arguments on their way through it."""

    agency: Agency
    resident_id: str
    event_type: str
    occurred_at: datetime.datetime
    attributes: dict
    key: str
    fingerprint: str
    reported_by: object
    now: datetime.datetime
    corrects: Event | None
    migrated: bool = False


def _report_locked(report: _Report, policy) -> ReportResult:
    """Apply the report holding the citizen's row lock, or answer a key used before.

    A key used before answers ahead of any check: the same report gets its original result, another
    report a conflict, even one naming a malformed or unknown resident ID. The key is looked for in
    the statement that takes the lock; a concurrent request with the same key that commits after it
    makes the event insert fail instead (``IntegrityError``, see ``event_report``).
    """
    try:
        citizen = _citizen_locked(report)
    except (NotFound, ValidationFailed):
        replay = _replay(report.agency, report.key, report.fingerprint)
        if replay:
            return replay
        raise
    if citizen.key_used_by is not None:
        return _replay(report.agency, report.key, report.fingerprint)
    cleaned = validate_report(agency=report.agency, citizen=citizen, event_type=report.event_type,
                              occurred_at=report.occurred_at, attributes=report.attributes, policy=policy,
                              now=report.now, migrated=report.migrated)
    ledger.record_policy_version(policy)
    event = Event.objects.create(
        citizen=citizen, event_type=report.event_type, occurred_at=report.occurred_at, reported_at=report.now,
        agency=report.agency, reported_by=report.reported_by, attributes=jsonable_attributes(cleaned),
        idempotency_key=report.key, fingerprint=report.fingerprint, policy_version=policy.version,
        corrects=report.corrects, migrated=report.migrated,
    )
    entries = ledger.apply_rules(citizen=citizen, event=event, attributes=cleaned, policy=policy, at=report.now)
    ledger.save_standings(changes=[(citizen, entries)], policy=policy, at=report.now)
    return ReportResult(event=event, entries=entries, score=citizen.score, grade=citizen.grade, created=True)


def _citizen_locked(report: _Report) -> Citizen:
    """The citizen's row, locked and read in one statement that also looks for an earlier event with
    the report's key (``citizen.key_used_by``: its id, or None)."""
    earlier = Event.objects.filter(agency=report.agency, idempotency_key=report.key).values("pk")[:1]
    locked = Citizen.objects.select_for_update().annotate(key_used_by=Subquery(earlier))
    return citizen_get(resident_id=report.resident_id, queryset=locked)


def _check_key(key) -> None:
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(
            "An idempotency key of 1 to 128 characters is required.",
            field_errors={"idempotency_key": [f"required, 1 to {MAX_KEY_LENGTH} characters"]},
        )


def _check_agency_may_report(agency: Agency, event_type: str, policy) -> None:
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


def _clean_attributes(policy, event_type: str, attributes) -> dict:
    if not isinstance(attributes, dict):
        raise ValidationFailed("attributes must be an object.", field_errors={"attributes": ["must be an object"]})
    try:
        return policy.validate_attributes(event_type, attributes)
    except AttributeValidationError as exc:
        errors = {f"attributes.{name}": [message] for name, message in exc.field_errors.items()}
        raise ValidationFailed("Some event attributes are invalid.", field_errors=errors) from None


def _check_scorable(citizen: Citizen) -> None:
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


def _replay(agency: Agency, key: str, fingerprint: str) -> ReportResult | None:
    event = Event.objects.filter(agency=agency, idempotency_key=key).select_related("citizen").first()
    if event is None:
        return None
    if event.fingerprint != fingerprint:
        raise IdempotencyConflict(
            f"Idempotency key '{key}' was already used for a different report (event {event.pk}).",
            extra={"event_id": event.pk},
        )
    entries = list(event.entries.filter(reverses__isnull=True).order_by("id"))
    citizen = event.citizen
    return ReportResult(event=event, entries=entries, score=citizen.score, grade=citizen.grade, created=False)


# --- corrections -----------------------------------------------------------


def event_retract(*, event: Event, reason: str, agency: Agency | None = None, user=None,
                  now: datetime.datetime | None = None) -> list:
    """The reporting agency (or an official holding ``officials.retract_event``) withdraws a report.

    Its points are reversed. An official adjustment is never retracted (``points.duties``).
    """
    official = holds(user, "officials.retract_event")
    if not official and (agency is None or agency.pk != event.agency_id):
        raise Forbidden("Only the agency that reported an event, or an official, may retract it.")
    check_may_retract(event)
    by = user.get_username() if official else agency.code
    return event_withdraw(event=event, status=Event.Status.RETRACTED, reason=reason, by=by, now=now)


def event_void(*, event: Event, reason: str, by: str, now: datetime.datetime | None = None) -> list:
    """An official voids an event (appeal upheld, correction); its points are reversed.

    An adjustment is never voided by the official who proposed or approved it (``points.duties``).
    """
    check_may_void(event, by)
    return event_withdraw(event=event, status=Event.Status.VOIDED, reason=reason, by=by, now=now)


def event_withdraw(*, event: Event, status: str, reason: str, by: str,
                   now: datetime.datetime | None = None) -> list:
    """The one reversal mechanism: reverse every entry of the event that still counts and mark it."""
    reason = _reason(reason)

    def withdraw(citizen, event, now):
        entries = ledger.reverse_event(citizen=citizen, event=event, reason=reason, at=now)
        Event.objects.filter(pk=event.pk).update(
            status=status, status_reason=reason, status_changed_at=now, status_changed_by=by
        )
        return entries

    return _undo_locked(event, now, withdraw)


def event_suspend(*, event: Event, reason: str, now: datetime.datetime | None = None) -> list:
    """Stop counting the event's points while an appeal waits past a deadline (``appeals.services``).

    Every entry that still counts gets an exact ``suspension`` entry; the event stays applied, so a
    later decision either reinstates the points (``event_reinstate``) or voids the event, which then
    has nothing left to reverse: the suspension stands as its reversal.
    """
    reason = _reason(reason)
    return _undo_locked(event, now, lambda citizen, event, now: ledger.reverse_event(
        citizen=citizen, event=event, reason=reason, at=now, kind=LedgerEntry.Kind.SUSPENSION))


def event_reinstate(*, event: Event, reason: str, now: datetime.datetime | None = None) -> list:
    """Count the suspended points again (the appeal was rejected): a ``reinstated`` entry undoing each
    standing suspension, expiring when the original entry would have."""
    reason = _reason(reason)

    def reinstate(citizen, event, now):
        suspended = (event.entries.filter(kind=LedgerEntry.Kind.SUSPENSION, reversed_by__isnull=True)
                     .select_related("reverses").order_by("id"))
        return [ledger.reverse_entry(citizen=citizen, entry=entry, reason=reason, at=now,
                                     kind=LedgerEntry.Kind.REINSTATEMENT, expires_on=entry.reverses.expires_on)
                for entry in suspended]

    return _undo_locked(event, now, reinstate)


def _reason(reason) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationFailed("A written reason is required.", field_errors={"reason": ["required"]})
    return reason.strip()


def _undo_locked(event: Event, now, write) -> list:
    """Run ``write(citizen, event, now)`` on an applied, non-enrolment event holding the citizen's row lock,
    then store the new standing; returns the entries written."""
    now = now or timezone.now()
    if event.event_type == ENROLMENT_EVENT_TYPE:
        raise InvalidState("An enrolment cannot be withdrawn.")
    policy = current_policy()
    with transaction.atomic():
        citizen = Citizen.objects.select_for_update().get(pk=event.citizen_id)
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.status != Event.Status.APPLIED:
            raise InvalidState(f"Event {event.pk} is already {event.status}.")
        entries = write(citizen, event, now)
        ledger.save_standings(changes=[(citizen, entries)], policy=policy, at=now)
    return entries


__all__ = [
    "ApplicationError", "ReportResult", "citizen_enroll", "citizens_enroll_due", "event_report",
    "event_reinstate", "event_retract", "event_suspend", "event_void", "event_withdraw", "system_agency",
    "validate_report",
]
