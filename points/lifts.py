"""Writes: an obligation fulfilled ends its deduction (the policy's ``lifts``: ``judgment_satisfied``
with ``paid_on`` lifts ``unpaid_court_judgment``).

The lifting report is an event of its own, linked to the lifted one (``Event.lifts``); each entry
of the lifted event that still counts gets an exact ``lifted`` entry belonging to the lifting
event, whose reason names the payment day. The lifted event stays applied and visible: the debt
was unpaid from the day it occurred until the day it was paid. A suspended deduction (an appeal
past its deadline) is reinstated and lifted in the same step, so the record reads in order.

Who: the agency that reported the lifted event (if the policy lets it report the lifting type),
or an official holding ``appeals.correct_event`` on the citizen's proof, recorded as the register.
"""
import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from citizens.models import Citizen
from core.exceptions import InvalidState, NotFound, ValidationFailed
from points import writer
from points.admission import (
    check_agency_may_report,
    check_key,
    check_scorable,
    clean_attributes,
    jsonable_attributes,
    report_fingerprint,
)
from points.duties import check_may_lift, holds
from points.models import Agency, Event, LedgerEntry
from points.services import system_agency
from rules.registry import current_policy

LIFT_PERMISSION = "appeals.correct_event"


@dataclass(frozen=True)
class LiftResult:
    """The lifting event, its entries (its own rules' and the lifts), the citizen's new standing."""

    event: Event
    entries: list
    score: int
    grade: str
    created: bool


def event_lift(*, event: Event, event_type: str, resident_id: str, attributes: dict, idempotency_key: str,
               agency: Agency | None = None, user=None, now: datetime.datetime | None = None) -> LiftResult:
    """Record that the obligation ``event`` stood for was fulfilled; all or nothing, idempotent by key."""
    now = now or timezone.now()
    check_key(idempotency_key)
    policy = current_policy()
    official = agency is None and holds(user, LIFT_PERMISSION)
    if not official and (agency is None or agency.pk != event.agency_id):
        raise NotFound(f"No event with id {event.pk} reported by {getattr(agency, 'code', 'you')}.")
    reporter = system_agency() if official else agency
    with transaction.atomic():
        citizen = Citizen.objects.select_for_update().get(pk=event.citizen_id)
        earlier = Event.objects.filter(agency=reporter, idempotency_key=idempotency_key).first()
        if earlier is not None:
            return _replay(earlier, event, citizen)
        event = Event.objects.select_for_update().get(pk=event.pk)
        cleaned, paid_on = _validate(event, citizen, event_type, resident_id, attributes, policy, now,
                                     None if official else agency)
        if official:
            check_may_lift(event, user.get_username())
        writer.record_policy_version(policy)
        lifting = writer.add_event(
            citizen=citizen, event_type=event_type, agency=reporter, reported_by=user if official else None,
            occurred_at=_start_of(paid_on), reported_at=now, attributes=jsonable_attributes(cleaned),
            idempotency_key=idempotency_key, policy_version=policy.version, lifts=event,
            fingerprint=report_fingerprint(resident_id, event_type, _start_of(paid_on), attributes),
        )
        entries = writer.score_event(citizen=citizen, event=lifting, attributes=cleaned, policy=policy, at=now)
        entries += _lift_entries(citizen, event, lifting, paid_on, now)
        writer.save_standings(changes=[(citizen, entries)], policy=policy, at=now)
    return LiftResult(event=lifting, entries=entries, score=citizen.score, grade=citizen.grade, created=True)


def _validate(event, citizen, event_type, resident_id, attributes, policy, now, agency):
    """The cleaned attributes and the payment day, or a 4xx: nothing is written before this passes."""
    spec = policy.event_types.get(event_type)
    if spec is None or spec.lifts is None:
        liftable = sorted(name for name, t in policy.event_types.items() if t.lifts)
        raise ValidationFailed(_("Event type '%(type)s' lifts nothing.") % {"type": event_type},
                               field_errors={"event_type": [f"must be one of: {', '.join(liftable)}"]})
    if spec.lifts.event_type != event.event_type:
        raise ValidationFailed(
            _("'%(type)s' lifts '%(lifted)s' events; event %(id)s is '%(actual)s'.")
            % {"type": event_type, "lifted": spec.lifts.event_type, "id": event.pk, "actual": event.event_type},
            field_errors={"event_id": [f"must be an event of type {spec.lifts.event_type}"]})
    if resident_id != citizen.resident_id:
        raise ValidationFailed(_("Event %(id)s is about another person.") % {"id": event.pk},
                               field_errors={"resident_id": ["is not the person of the lifted event"]})
    if agency is not None:
        check_agency_may_report(agency, event_type, policy)
    check_scorable(citizen)
    if event.status != Event.Status.APPLIED:
        raise InvalidState(_("Event %(id)s is %(status)s: there is nothing to lift.")
                           % {"id": event.pk, "status": event.status})
    if event.lifted_by.exists():
        raise InvalidState(_("Event %(id)s was already lifted.") % {"id": event.pk})
    cleaned = clean_attributes(policy, event_type, attributes)
    paid_on = cleaned[spec.lifts.date_attribute]
    field = f"attributes.{spec.lifts.date_attribute}"
    if paid_on > timezone.localdate(now):
        raise ValidationFailed(_("The payment day is in the future."), field_errors={field: ["must not be in the "
                                                                                              "future"]})
    if paid_on < timezone.localdate(event.occurred_at):
        raise ValidationFailed(_("The payment day is before the judgment."),
                               field_errors={field: ["must not be before the lifted event occurred"]})
    return cleaned, paid_on


def _lift_entries(citizen, event, lifting, paid_on, now) -> list:
    occurred = timezone.localdate(event.occurred_at).isoformat()
    entries = []
    suspended = event.entries.filter(kind=LedgerEntry.Kind.SUSPENSION, reversed_by__isnull=True).select_related(
        "reverses").order_by("id")
    for entry in suspended:  # count the suspended points again, to lift them in the same step
        entries.append(writer.reverse_entry(
            citizen=citizen, entry=entry, at=now, kind=LedgerEntry.Kind.REINSTATEMENT, event=lifting,
            reason=_("Reinstated to be lifted by event #%(id)s.") % {"id": lifting.pk}))
    reason = _("Obligation fulfilled: unpaid from %(occurred)s to %(paid)s; paid on %(paid)s (event #%(id)s).") % {
        "occurred": occurred, "paid": paid_on.isoformat(), "id": lifting.pk}
    counting = list(writer.counting_entries(event)) + entries
    for entry in counting:
        entries.append(writer.reverse_entry(citizen=citizen, entry=entry, reason=reason, at=now,
                                            kind=LedgerEntry.Kind.LIFT, event=lifting))
    return entries


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _replay(earlier: Event, event: Event, citizen) -> LiftResult:
    if earlier.lifts_id != event.pk:
        raise InvalidState(_("Idempotency key already used for another report (event %(id)s).") % {"id": earlier.pk},
                           extra={"event_id": earlier.pk})
    entries = list(earlier.entries.order_by("id"))
    return LiftResult(event=earlier, entries=entries, score=citizen.score, grade=citizen.grade, created=False)


