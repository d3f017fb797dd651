"""Writes: filing, answering and deciding appeals, and the deadline job. Each step is one
transaction and one AppealTransition.

Disputes go to the source (FCRA §611 as the model): filing asks the agency that reported the
event to ``confirm`` (with reasons and evidence) or ``withdraw`` (its report is retracted) within
the policy's ``source_answer_days``; the office decides within ``appeal_deadline_days``. When
either day passes first (``appeals_deadlines``), the contested points are suspended
(``points.services.event_suspend``) and the appeal goes to the supervisors' queue (``escalated``);
rejecting it later reinstates them, upholding it leaves them reversed.

``appeal_uphold`` voids the event through ``points.services.event_void`` — the one reversal
mechanism — so reversal entries restore the exact earlier score, the grade is recomputed and
the ledger says why ("Appeal #N upheld: ...").

Separation of duties (``points.duties.check_may_decide``): whoever reviews or decides an appeal
did not file it, nor propose or approve the contested adjustment; the reviewer may also decide.
"""
import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals import signals
from appeals.models import Appeal, AppealTransition
from core.exceptions import InvalidState, NotFound, ValidationFailed
from points.duties import check_may_decide
from points.models import Agency, Event
from points.services import ENROLMENT_EVENT_TYPE, event_reinstate, event_retract, event_suspend, event_void
from rules.registry import current_policy

State = Appeal.State
DEADLINE_ACTOR = "deadlines"  # who the deadline job acts as, in transitions
MAX_EVIDENCE = 20


def appeal_file(*, event: Event, grounds: str, by: str, channel: str = Appeal.Channel.ADMIN,
                now: datetime.datetime | None = None, claim: str = Appeal.Claim.WRONG, evidence=(),
                late_reason: str = "") -> Appeal:
    """File an appeal against an applied event, on the citizen's behalf; the policy sets the deadlines
    (in calendar or working days: ``Policy.due_date``).

    A claim that the obligation was fulfilled (``claim="paid"``) needs evidence references. An
    appeal filed after the citizen's window (``citizen_filing_days`` from the report) is accepted
    only with the official's written ``late_reason``. The reporting agency is asked to answer.
    """
    now = now or timezone.now()
    grounds = _required(grounds, "grounds", _("The grounds of the appeal are required."))
    if channel not in Appeal.Channel.values:
        raise ValidationFailed(f"Unknown channel '{channel}'.", field_errors={"channel": ["unknown channel"]})
    if claim not in Appeal.Claim.values:
        raise ValidationFailed(_("Unknown claim."), field_errors={"claim": [", ".join(Appeal.Claim.values)]})
    evidence = _evidence(evidence, required=claim == Appeal.Claim.PAID)
    policy, today = current_policy(), timezone.localdate(now)
    try:
        with transaction.atomic():
            event = Event.objects.select_for_update().select_related("agency").get(pk=event.pk)
            _check_appealable(event)
            late_reason = _check_window(event, today, late_reason, policy)
            source = event.agency.kind != Agency.Kind.SYSTEM
            appeal = Appeal.objects.create(
                event=event, citizen_id=event.citizen_id, filed_by=by, filed_at=now, channel=channel,
                grounds=grounds, deadline=policy.due_date("appeal_deadline_days", today),
                policy_version=policy.version, claim=claim, evidence=evidence, late_reason=late_reason,
                source_due=policy.due_date("source_answer_days", today) if source else None,
            )
            reasons = grounds if not late_reason else _("%(grounds)s (Filed late; accepted because: %(reason)s)") % {
                "grounds": grounds, "reason": late_reason}
            _transition(appeal, "", State.FILED, by, now, reasons)
            signals.appeal_filed.send(sender=Appeal, appeal=appeal, at=now)
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


def _evidence(evidence, *, required: bool) -> list:
    if not isinstance(evidence, list | tuple) or len(evidence) > MAX_EVIDENCE or not all(
            isinstance(item, str) and item.strip() and len(item) <= 500 for item in evidence):
        raise ValidationFailed(_("Evidence is a list of up to 20 references (receipt numbers, file names)."),
                               field_errors={"evidence": ["list of 1 to 500 characters each, at most 20"]})
    if required and not evidence:
        raise ValidationFailed(_("A claim of payment needs evidence (a receipt or transfer reference)."),
                               field_errors={"evidence": ["required"]})
    return [item.strip() for item in evidence]


def _check_window(event: Event, today: datetime.date, late_reason, policy) -> str:
    """The official's reason for accepting a late appeal ('' when in time); refuses a late one without it."""
    window_end = policy.due_date("citizen_filing_days", timezone.localdate(event.reported_at))
    if today <= window_end:
        return ""
    if not isinstance(late_reason, str) or not late_reason.strip():
        raise ValidationFailed(
            _("The citizen's time to appeal ended on %(day)s; a late appeal needs the official's written reason.")
            % {"day": window_end.isoformat()}, field_errors={"late_reason": ["required for a late appeal"]})
    return late_reason.strip()


def appeal_answer(*, appeal: Appeal, agency: Agency, answer: str, reasons: str, evidence=(),
                  now: datetime.datetime | None = None) -> Appeal:
    """The reporting agency answers a dispute: ``confirm`` its report (reasons and evidence) or
    ``withdraw`` it (the report is retracted through the one reversal mechanism).

    Any other agency is told the appeal does not exist (no probing). Late answers are recorded as late.
    """
    now = now or timezone.now()
    if answer not in Appeal.Answer.values:
        raise ValidationFailed(_("The answer is confirm or withdraw."), field_errors={"answer": ["confirm, withdraw"]})
    reasons = _required(reasons, "reasons", _("Written reasons are required to answer an appeal."))
    evidence = _evidence(evidence, required=answer == Appeal.Answer.CONFIRM)
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().select_related("event").filter(pk=appeal.pk).first()
        if appeal is None or appeal.event.agency_id != agency.pk:
            raise NotFound(f"No appeal with id {getattr(appeal, 'pk', '')} against a report of {agency.code}.")
        if not appeal.is_open or appeal.source_answer:
            raise InvalidState(_("Appeal #%(id)s is %(state)s and already answered or closed.")
                               % {"id": appeal.pk, "state": appeal.get_state_display()}, extra={"state": appeal.state})
        if answer == Appeal.Answer.WITHDRAW and appeal.event.status == Event.Status.APPLIED:
            event_retract(event=appeal.event, agency=agency, now=now,
                          reason=_("Withdrawn by %(code)s in answer to appeal #%(id)s: %(reasons)s")
                          % {"code": agency.code, "id": appeal.pk, "reasons": reasons})
        appeal.source_answer, appeal.source_answered_at, appeal.source_answered_by = answer, now, agency.code
        appeal.source_reasons, appeal.source_evidence = reasons, evidence
        appeal.save(update_fields=["source_answer", "source_answered_at", "source_answered_by", "source_reasons",
                                   "source_evidence"])
        _transition(appeal, appeal.state, appeal.state, agency.code, now, _answer_text(appeal, now))
    return appeal


def _answer_text(appeal: Appeal, now) -> str:
    text = _("%(code)s %(answer)s its report. Reasons: %(reasons)s") % {
        "code": appeal.source_answered_by, "answer": _("confirmed") if appeal.source_answer == "confirm"
        else _("withdrew"), "reasons": appeal.source_reasons}
    if appeal.source_evidence:
        text += " " + _("Evidence: %(refs)s.") % {"refs": "; ".join(appeal.source_evidence)}
    if appeal.source_due and timezone.localdate(now) > appeal.source_due:
        text += " " + _("(Answered after its deadline of %(day)s.)") % {"day": appeal.source_due.isoformat()}
    return text


def appeals_deadlines(*, now: datetime.datetime | None = None) -> list[Appeal]:
    """Escalate every open appeal whose source answer or decision is overdue; the escalated ones.

    The contested points are suspended, the appeal moves to ``escalated`` (the supervisors' queue),
    and the supervisors and the source are told (``appeals.signals``). Idempotent: an escalated
    appeal is never taken again.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = Appeal.objects.filter(state__in=[State.FILED, State.UNDER_REVIEW], suspended_at__isnull=True).filter(
        Q(source_due__lt=today, source_answer="") | Q(deadline__lt=today))
    return [appeal for appeal in (_escalate(pk, today, now) for pk in due.order_by("pk").values_list("pk", flat=True))
            if appeal is not None]


def _escalate(pk: int, today, now) -> Appeal | None:
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().select_related("event").get(pk=pk)
        if appeal.state not in (State.FILED, State.UNDER_REVIEW) or appeal.suspended_at is not None:
            return None  # a concurrent run or a decision got there first
        if appeal.source_overdue(today):
            why = _("%(code)s did not answer by %(day)s") % {"code": appeal.event.agency.code,
                                                               "day": appeal.source_due.isoformat()}
        else:
            why = _("the office did not decide by %(day)s") % {"day": appeal.deadline.isoformat()}
        reasons = _("Appeal #%(id)s: %(why)s; the deduction is suspended pending appeal.") % {
            "id": appeal.pk, "why": why}
        if appeal.event.status == Event.Status.APPLIED:
            event_suspend(event=appeal.event, reason=reasons, now=now)
        appeal.suspended_at = now
        _move(appeal, State.ESCALATED, DEADLINE_ACTOR, now, reasons, fields=["suspended_at"])
        signals.appeal_escalated.send(sender=Appeal, appeal=appeal, reasons=reasons, at=now)
        return appeal


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
        appeal = _locked(appeal, DECIDABLE, "uphold", by)
        event = Event.objects.get(pk=appeal.event_id)
        if event.status == Event.Status.APPLIED:
            # A suspended deduction has nothing left to reverse: the suspension stands as its reversal.
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
        appeal = _locked(appeal, DECIDABLE, "reject", by)
        event = Event.objects.get(pk=appeal.event_id)
        if appeal.suspended_at is not None and event.status == Event.Status.APPLIED:
            event_reinstate(event=event, now=now, reason=_(
                "Appeal #%(id)s rejected: %(reasons)s The deduction suspended on %(day)s counts again.") % {
                "id": appeal.pk, "reasons": reasons, "day": timezone.localdate(appeal.suspended_at).isoformat()})
        return _decide(appeal, State.REJECTED, by, now, reasons)


def _required(text, field: str, message: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ValidationFailed(message, field_errors={field: ["required"]})
    return text.strip()


DECIDABLE = (State.UNDER_REVIEW, State.ESCALATED)


def _locked(appeal: Appeal, expected, action: str, by: str) -> Appeal:
    """The appeal, locked, in an ``expected`` state, and ``by`` free to act on it (separation of duties)."""
    appeal = Appeal.objects.select_for_update().select_related("event").get(pk=appeal.pk)
    expected = (expected,) if isinstance(expected, str) else expected
    if appeal.state not in expected:
        raise InvalidState(
            f"Appeal #{appeal.pk} is {appeal.get_state_display()}; only an appeal that is "
            f"{' or '.join(str(State(e).label) for e in expected)} can {action}.",
            extra={"state": appeal.state},
        )
    check_may_decide(appeal, by)
    return appeal


def _decide(appeal: Appeal, state: str, by: str, now, reasons: str) -> Appeal:
    appeal.decided_by, appeal.decided_at, appeal.decision_reasons = by, now, reasons
    appeal = _move(appeal, state, by, now, reasons, fields=["decided_by", "decided_at", "decision_reasons"])
    signals.appeal_decided.send(sender=Appeal, appeal=appeal, at=now)
    return appeal


def _move(appeal: Appeal, state: str, by: str, now, reasons: str, fields=()) -> Appeal:
    from_state, appeal.state = appeal.state, state
    appeal.save(update_fields=["state", *fields])
    _transition(appeal, from_state, state, by, now, reasons)
    return appeal


def _transition(appeal, from_state, to_state, by, at, reasons) -> AppealTransition:
    return AppealTransition.objects.create(appeal=appeal, from_state=from_state, to_state=to_state, by=by,
                                           at=at, reasons=reasons)


# --- The citizen's own filing and withdrawal (the portal) -----------------------------------------


def citizen_filer(citizen) -> str:
    """How a citizen is named as the filer of their own appeal (never a staff username: those have no ':')."""
    from citizens.masking import mask_resident_id

    return f"citizen:{mask_resident_id(citizen.resident_id)}"


def appeal_file_by_citizen(*, citizen, event: Event, grounds: str, claim: str = Appeal.Claim.WRONG, files=(),
                           now: datetime.datetime | None = None) -> Appeal:
    """The citizen files an appeal against an event of their own record, with evidence files.

    Every file is checked (``appeals.evidence``) before anything is written, and the appeal, its
    evidence rows and files are written together or not at all. Past the citizen's window
    (``citizen_filing_days``) only an official can accept a late appeal, with a written reason.
    """
    from appeals.evidence import evidence_check, evidence_store

    now = now or timezone.now()
    if event.citizen_id != citizen.pk:
        raise NotFound(_("No such entry on your record."))
    checked = evidence_check(files)
    window_end = timezone.localdate(event.reported_at) + datetime.timedelta(days=current_policy().citizen_filing_days)
    if timezone.localdate(now) > window_end:
        raise ValidationFailed(
            _("Your time to appeal this entry ended on %(day)s. The district office can still accept a late appeal "
              "if you give a reason: please contact them.") % {"day": window_end.isoformat()},
            field_errors={"event": ["late"]})
    by = citizen_filer(citizen)
    with transaction.atomic():
        appeal = appeal_file(event=event, grounds=grounds, by=by, channel=Appeal.Channel.PORTAL, now=now,
                             claim=claim, evidence=[upload.name[:500] for upload, _kind in checked])
        evidence_store(appeal=appeal, checked=checked, by=by, now=now)
    return appeal


def appeal_withdraw(*, appeal: Appeal, by: str, reasons: str = "", now: datetime.datetime | None = None) -> Appeal:
    """The citizen withdraws their open appeal: the record stands as it was reported. A deduction that
    a missed deadline suspended counts again (as when an appeal is rejected)."""
    now = now or timezone.now()
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().select_related("event").get(pk=appeal.pk)
        if not appeal.is_open:
            raise InvalidState(_("Appeal #%(id)s is %(state)s; only an open appeal can be withdrawn.")
                               % {"id": appeal.pk, "state": appeal.get_state_display()}, extra={"state": appeal.state})
        reasons = _("Withdrawn by the citizen. %(reasons)s") % {"reasons": (reasons or "").strip()}
        event = appeal.event
        if appeal.suspended_at is not None and event.status == Event.Status.APPLIED:
            event_reinstate(event=event, now=now, reason=_(
                "Appeal #%(id)s withdrawn by the citizen; the deduction suspended on %(day)s counts again.") % {
                "id": appeal.pk, "day": timezone.localdate(appeal.suspended_at).isoformat()})
        appeal.decided_at, appeal.decision_reasons = now, reasons.strip()
        appeal = _move(appeal, State.WITHDRAWN, by, now, appeal.decision_reasons,
                       fields=["decided_at", "decision_reasons"])
        signals.appeal_decided.send(sender=Appeal, appeal=appeal, at=now)
    return appeal
