"""Writes: filing and deciding appeals. Each step is one transaction and one AppealTransition.

``appeal_uphold`` voids the event through ``points.services.event_void`` — the one reversal
mechanism — so reversal entries restore the exact earlier score, the grade is recomputed and
the ledger says why ("Appeal #N upheld: ...").

Separation of duties (``officials.duties.check_may_decide``): whoever reviews or decides an appeal
did not file it, nor propose or approve the contested adjustment; the reviewer may also decide.
"""
import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from appeals.models import Appeal, AppealTransition
from officials.duties import check_may_decide
from points.exceptions import InvalidState, ValidationFailed
from points.models import Event
from points.services import ENROLMENT_EVENT_TYPE, event_void
from rules.registry import current_policy

State = Appeal.State


def appeal_file(*, event: Event, grounds: str, by: str, channel: str = Appeal.Channel.ADMIN,
                now: datetime.datetime | None = None) -> Appeal:
    """File an appeal against an applied event, on the citizen's behalf; the policy sets the deadline."""
    now = now or timezone.now()
    grounds = _required(grounds, "grounds", "The grounds of the appeal are required.")
    if channel not in Appeal.Channel.values:
        raise ValidationFailed(f"Unknown channel '{channel}'.", field_errors={"channel": ["unknown channel"]})
    policy = current_policy()
    deadline = timezone.localdate(now) + datetime.timedelta(days=policy.appeal_deadline_days)
    try:
        with transaction.atomic():
            event = Event.objects.select_for_update().get(pk=event.pk)
            _check_appealable(event)
            appeal = Appeal.objects.create(
                event=event, citizen_id=event.citizen_id, filed_by=by, filed_at=now, channel=channel,
                grounds=grounds, deadline=deadline, policy_version=policy.version,
            )
            _transition(appeal, "", State.FILED, by, now, grounds)
    except IntegrityError:
        # Another official filed against the same event at the same moment.
        raise InvalidState(f"Event {event.pk} already has an open appeal.") from None
    return appeal


def _check_appealable(event: Event) -> None:
    if event.event_type == ENROLMENT_EVENT_TYPE:
        raise InvalidState("An enrolment cannot be appealed.")
    if event.status != Event.Status.APPLIED:
        raise InvalidState(f"Event {event.pk} is already {event.status}; there is nothing left to appeal.")
    open_appeal = event.appeals.filter(state__in=Appeal.OPEN_STATES).first()
    if open_appeal is not None:
        raise InvalidState(f"Event {event.pk} already has an open appeal (#{open_appeal.pk}).",
                           extra={"appeal_id": open_appeal.pk})


def appeal_start_review(*, appeal: Appeal, by: str, reasons: str = "",
                        now: datetime.datetime | None = None) -> Appeal:
    """An official takes the appeal up: filed → under review."""
    now = now or timezone.now()
    with transaction.atomic():
        appeal = _locked(appeal, State.FILED, "start reviewing", by)
        return _move(appeal, State.UNDER_REVIEW, by, now, (reasons or "").strip())


def appeal_uphold(*, appeal: Appeal, reasons: str, by: str, now: datetime.datetime | None = None) -> Appeal:
    """The record was wrong: void the event (points restored, grade recomputed) and close the appeal."""
    now = now or timezone.now()
    reasons = _required(reasons, "reasons", "Written reasons are required to uphold an appeal.")
    with transaction.atomic():
        appeal = _locked(appeal, State.UNDER_REVIEW, "uphold", by)
        event = Event.objects.get(pk=appeal.event_id)
        if event.status == Event.Status.APPLIED:
            event_void(event=event, reason=f"Appeal #{appeal.pk} upheld: {reasons}", by=by, now=now)
        else:
            # The agency withdrew the report while the appeal was open: its points are already restored.
            reasons = f"{reasons} (The event had already been {event.status}: {event.status_reason})"
        return _decide(appeal, State.UPHELD, by, now, reasons)


def appeal_reject(*, appeal: Appeal, reasons: str, by: str, now: datetime.datetime | None = None) -> Appeal:
    """The record stands: close the appeal with written reasons (shown on the citizen's statement)."""
    now = now or timezone.now()
    reasons = _required(reasons, "reasons", "Written reasons are required to reject an appeal.")
    with transaction.atomic():
        appeal = _locked(appeal, State.UNDER_REVIEW, "reject", by)
        return _decide(appeal, State.REJECTED, by, now, reasons)


def _required(text, field: str, message: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ValidationFailed(message, field_errors={field: ["required"]})
    return text.strip()


def _locked(appeal: Appeal, expected: str, action: str, by: str) -> Appeal:
    """The appeal, locked, in the ``expected`` state, and ``by`` free to act on it (separation of duties)."""
    appeal = Appeal.objects.select_for_update().select_related("event").get(pk=appeal.pk)
    if appeal.state != expected:
        raise InvalidState(
            f"Appeal #{appeal.pk} is {appeal.get_state_display()}; only an appeal that is "
            f"{State(expected).label} can {action}.",
            extra={"state": appeal.state},
        )
    check_may_decide(appeal, by)
    return appeal


def _decide(appeal: Appeal, state: str, by: str, now, reasons: str) -> Appeal:
    appeal.decided_by, appeal.decided_at, appeal.decision_reasons = by, now, reasons
    return _move(appeal, state, by, now, reasons, fields=["decided_by", "decided_at", "decision_reasons"])


def _move(appeal: Appeal, state: str, by: str, now, reasons: str, fields=()) -> Appeal:
    from_state, appeal.state = appeal.state, state
    appeal.save(update_fields=["state", *fields])
    _transition(appeal, from_state, state, by, now, reasons)
    return appeal


def _transition(appeal, from_state, to_state, by, at, reasons) -> AppealTransition:
    return AppealTransition.objects.create(appeal=appeal, from_state=from_state, to_state=to_state, by=by,
                                           at=at, reasons=reasons)
