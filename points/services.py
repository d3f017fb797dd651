"""Services: enrolment, event reports, retractions, voids, suspensions and reinstatements.

``event_report`` is one report through ``points.pipeline`` (a call of one); the API batch and the
file ingest use the same pipeline for many. Every write goes through ``points.writer`` in one
transaction holding the citizen's row lock, so the ledger, the stored score and the grade never
disagree, and concurrent reports for one citizen serialise on PostgreSQL.
"""
import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from citizens.models import Citizen
from core.exceptions import ApplicationError, Forbidden, InvalidState, NotEnrolled, ValidationFailed
from points import pipeline, writer
from points.admission import (  # noqa: F401  (imported from here by other apps)
    MAX_KEY_LENGTH,
    Report,
    jsonable_attributes,
    report_fingerprint,
    validate_report,
)
from points.duties import check_may_retract, check_may_void, holds
from points.models import Agency, Event, LedgerEntry
from points.pipeline import ReportResult
from points.writer import ENROLMENT_EVENT_TYPE
from rules.registry import current_policy
from rules.values import age_on

SYSTEM_AGENCY_CODE = "register"
ENROLMENT_AGE = 14


def system_agency() -> Agency:
    """The register itself, which reports enrolments and official adjustments."""
    agency, _ = Agency.objects.get_or_create(
        code=SYSTEM_AGENCY_CODE, defaults={"name": gettext_noop("Citizen register"), "kind": Agency.Kind.SYSTEM}
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
        return writer.enrol([citizen], agency=system_agency(), at=at, policy=current_policy())[0]


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
    policy, agency = current_policy(), system_agency()
    enrolled = 0
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            batch = list(
                Citizen.objects.select_for_update()
                .filter(pk__in=ids[start:start + batch_size], enrolled_at__isnull=True)
                .order_by("pk")
            )
            enrolled += len(writer.enrol(batch, agency=agency, at=at, policy=policy))
        if progress:
            progress(len(ids[start:start + batch_size]))
    return enrolled


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
    report = Report(agency=agency, resident_id=resident_id, event_type=event_type, occurred_at=occurred_at,
                    attributes=attributes, key=idempotency_key, reported_by=reported_by, corrects=corrects,
                    migrated=migrated)
    return pipeline.report_one(report, now=now)


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
        entries = writer.reverse_event(citizen=citizen, event=event, reason=reason, at=now)
        writer.mark_event(event=event, status=status, reason=reason, by=by, at=now)
        return entries

    return _undo_locked(event, now, withdraw)


def event_suspend(*, event: Event, reason: str, now: datetime.datetime | None = None) -> list:
    """Stop counting the event's points while an appeal waits past a deadline (``appeals.services``).

    Every entry that still counts gets an exact ``suspension`` entry; the event stays applied, so a
    later decision either reinstates the points (``event_reinstate``) or voids the event, which then
    has nothing left to reverse: the suspension stands as its reversal.
    """
    reason = _reason(reason)
    return _undo_locked(event, now, lambda citizen, event, now: writer.reverse_event(
        citizen=citizen, event=event, reason=reason, at=now, kind=LedgerEntry.Kind.SUSPENSION))


def event_reinstate(*, event: Event, reason: str, now: datetime.datetime | None = None) -> list:
    """Count the suspended points again (the appeal was rejected): a ``reinstated`` entry undoing each
    standing suspension, expiring when the original entry would have."""
    reason = _reason(reason)

    def reinstate(citizen, event, now):
        suspended = (event.entries.filter(kind=LedgerEntry.Kind.SUSPENSION, reversed_by__isnull=True)
                     .select_related("reverses").order_by("id"))
        return [writer.reverse_entry(citizen=citizen, entry=entry, reason=reason, at=now,
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
        writer.save_standings(changes=[(citizen, entries)], policy=policy, at=now)
    return entries


__all__ = [
    "ApplicationError", "ReportResult", "citizen_enroll", "citizens_enroll_due", "event_report",
    "event_reinstate", "event_retract", "event_suspend", "event_void", "event_withdraw", "system_agency",
    "validate_report",
]
