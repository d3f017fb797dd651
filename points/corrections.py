"""Corrections: an event whose attributes were wrong is voided and reported again, correctly.

Both stay visible: the old event is ``voided`` (its points reversed by the one reversal
mechanism, ``event_void``) and the new event names it in ``corrects``. The new event is reported
as the **original agency** (it is still that agency's fact, now with the right details; the
official who corrected it is ``reported_by`` and the void's ``status_changed_by``), so the usual
checks apply: the agency must still be active and allowed to report the event type. Its
idempotency key is ``correction:<old event id>``, so an event is corrected at most once — a later
mistake is corrected by correcting the correction.
"""
import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import Forbidden, InvalidState, ValidationFailed
from points.duties import check_may_correct, holds
from points.models import Event
from points.services import ENROLMENT_EVENT_TYPE, ReportResult, event_report, event_void


@dataclass(frozen=True)
class CorrectionResult:
    """The voided event, the reversal entries that undid it, and the corrected report."""

    voided: Event
    reversals: list
    report: ReportResult


def correction_key(event: Event) -> str:
    return f"correction:{event.pk}"


def event_correct(*, event: Event, attributes: dict, reason: str, by: str, user=None,
                  occurred_at: datetime.datetime | None = None,
                  now: datetime.datetime | None = None) -> CorrectionResult:
    """Void ``event`` and report it again with ``attributes`` (and ``occurred_at``), atomically.

    ``user``, when given (the admin and the API give it), must hold ``appeals.correct_event``.
    """
    if user is not None and not holds(user, "appeals.correct_event"):
        raise Forbidden(_("You may not correct events."))
    now = now or timezone.now()
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationFailed("A written reason is required.", field_errors={"reason": ["required"]})
    _check_correctable(event, attributes, occurred_at)
    with transaction.atomic():
        reversals = event_void(event=event, reason=f"Corrected: {reason.strip()}", by=by, now=now)
        # Invalid attributes raise here and roll the void back with them.
        report = event_report(
            agency=event.agency, resident_id=event.citizen.resident_id, event_type=event.event_type,
            occurred_at=occurred_at or event.occurred_at, attributes=attributes,
            idempotency_key=correction_key(event), reported_by=user, now=now, corrects=event,
        )
    event.refresh_from_db()
    return CorrectionResult(voided=event, reversals=reversals, report=report)


def _check_correctable(event: Event, attributes, occurred_at) -> None:
    if event.event_type == ENROLMENT_EVENT_TYPE:
        raise InvalidState("An enrolment cannot be corrected.")
    check_may_correct(event)
    replacement = Event.objects.filter(corrects=event).first()
    if replacement is not None:
        raise InvalidState(f"Event {event.pk} was already corrected by event {replacement.pk}; correct that one.",
                           extra={"corrected_by": replacement.pk})
    if event.status != Event.Status.APPLIED:
        raise InvalidState(f"Event {event.pk} is {event.status}; only an applied event can be corrected.")
    if attributes == event.attributes and (occurred_at is None or occurred_at == event.occurred_at):
        raise ValidationFailed("The correction changes nothing.",
                               field_errors={"attributes": ["same as the event's attributes"]})
