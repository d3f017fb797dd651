"""Writes: the notices that are not ledger changes — appeals filed, escalated, decided or overdue, points
about to stop counting, and services refused or sent to review because of the grade.

Each is written in the caller's transaction through ``notices.services`` and, when a scheduled job
or a repeated lookup makes it, carries a ``dedup_key``, so running the job again tells no one twice.
"""
import datetime
import logging

from django.conf import settings
from django.db.models import BigIntegerField
from django.db.models.functions import Cast, Substr
from django.utils import timezone

from appeals.selectors import appeals_overdue
from notices import appeal_wording, wording
from notices.models import Notice
from notices.selectors import supervisors
from notices.services import notice_to_agency, notice_to_citizen, notice_to_official
from points.models import LedgerEntry

logger = logging.getLogger("notices")

REFUSED = ("review", "denied")  # service decisions the person is told about


def appeal_filed_notices(*, appeal, at=None) -> list:
    """Tell the citizen that an appeal was filed, and ask the agency that reported the event to answer."""
    with wording.in_citizens_language(appeal.citizen):
        subject, body = wording.appeal_filed(appeal)
    made = [notice_to_citizen(citizen=appeal.citizen, kind=Notice.Kind.APPEAL_FILED, subject=subject, body=body,
                              event=appeal.event, appeal=appeal, dedup_key=f"appeal-filed:{appeal.pk}", now=at)]
    if appeal.source_due is not None:
        made.append(_to_source(appeal, Notice.Kind.APPEAL_FILED, *appeal_wording.agency_filed(appeal), at=at))
    return [n for n in made if n]


def appeal_escalated_notices(*, appeal, reasons: str, at=None) -> list:
    """Tell every supervisor, and the reporting agency, that a deadline passed: the deduction is
    suspended and the appeal waits in the supervisors' queue. (The citizen is told by the
    suspension's own notice: their points moved.)"""
    subject, body = appeal_wording.supervisor_escalated(appeal, reasons)
    made = [notice_to_official(official=official, kind=Notice.Kind.APPEAL_ESCALATED, subject=subject, body=body,
                               event=appeal.event, appeal=appeal, now=at,
                               dedup_key=f"appeal-escalated-supervisor:{appeal.pk}:{official.pk}")
            for official in supervisors()]
    if not made:
        logger.warning("appeal %s escalated, but no active official is in the %r group to be told", appeal.pk,
                       settings.NOTICES_SUPERVISORS_GROUP)
    if appeal.source_due is not None:
        made.append(_to_source(appeal, Notice.Kind.APPEAL_ESCALATED,
                               *appeal_wording.agency_escalated(appeal, reasons), at=at))
    return [n for n in made if n]


def appeal_decided_notices(*, appeal, at=None) -> list:
    """Tell the citizen the decision and its written reasons, and the reporting agency the outcome (once each)."""
    with wording.in_citizens_language(appeal.citizen):
        subject, body = wording.appeal_decided(appeal)
    made = [notice_to_citizen(citizen=appeal.citizen, kind=Notice.Kind.APPEAL_DECIDED, subject=subject, body=body,
                              event=appeal.event, appeal=appeal, dedup_key=f"appeal-decided:{appeal.pk}", now=at)]
    if appeal.source_due is not None:
        made.append(_to_source(appeal, Notice.Kind.APPEAL_DECIDED, *appeal_wording.agency_decided(appeal), at=at))
    return [n for n in made if n]


_MOMENTS = {Notice.Kind.APPEAL_FILED: "filed", Notice.Kind.APPEAL_ESCALATED: "escalated",
            Notice.Kind.APPEAL_DECIDED: "decided"}


def _to_source(appeal, kind, subject, body, *, at) -> Notice | None:
    return notice_to_agency(agency=appeal.event.agency, kind=kind, subject=subject[:200], body=body,
                            event=appeal.event, appeal=appeal, now=at,
                            dedup_key=f"appeal-{_MOMENTS[kind]}-agency:{appeal.pk}")


def appeals_overdue_notices(*, today: datetime.date | None = None) -> int:
    """Tell each citizen whose appeal is past its deadline (once per appeal); returns how many."""
    today = today or timezone.localdate()
    made = 0
    for appeal in appeals_overdue(today=today).select_related("event__agency"):
        with wording.in_citizens_language(appeal.citizen):
            subject, body = wording.appeal_overdue(appeal, today=today)
        made += bool(notice_to_citizen(citizen=appeal.citizen, kind=Notice.Kind.APPEAL_OVERDUE, subject=subject,
                                       body=body, event=appeal.event, appeal=appeal,
                                       dedup_key=f"appeal-overdue:{appeal.pk}"))
    return made


def expiry_warnings(*, today: datetime.date | None = None) -> int:
    """Tell each citizen whose points stop counting within ``NOTICES_EXPIRY_WARNING_DAYS`` (once per
    entry); returns how many notices were written."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=settings.NOTICES_EXPIRY_WARNING_DAYS)
    due = (LedgerEntry.objects.filter(kind=LedgerEntry.Kind.RULE, expires_on__gt=today, expires_on__lte=horizon,
                                      reversed_by__isnull=True)
           .exclude(pk__in=_warned_entries()).select_related("citizen").order_by("expires_on", "id"))
    made = 0
    for entry in due.iterator(chunk_size=500):
        with wording.in_citizens_language(entry.citizen):
            subject, body = wording.expiry_soon(entry, citizen=entry.citizen)
        made += bool(notice_to_citizen(citizen=entry.citizen, kind=Notice.Kind.EXPIRY_SOON, subject=subject,
                                       body=body, event_id=entry.event_id, rule_ids=[entry.rule_id],
                                       dedup_key=f"expiry-soon:{entry.pk}"))
    return made


def _warned_entries():
    return (Notice.objects.filter(kind=Notice.Kind.EXPIRY_SOON, dedup_key__startswith="expiry-soon:")
            .annotate(entry=Cast(Substr("dedup_key", 13), BigIntegerField())).values("entry"))


def service_decision_notices(*, citizen, decisions) -> int:
    """Tell the citizen a service was refused or sent to review because of their grade.

    Once per (service, decision, grade, standing): the dedup key holds when the grade last
    changed, so 300 lookups of one standing make one notice, and a new grade makes a new one.
    """
    made = 0
    since = citizen.grade_changed_at or citizen.enrolled_at
    for decision in decisions:
        if decision.decision not in REFUSED:
            continue
        with wording.in_citizens_language(citizen):
            subject, body = wording.service_decision(decision, citizen=citizen)
        key = f"service:{citizen.pk}:{decision.service}:{decision.decision}:{citizen.grade}:" \
              f"{since.timestamp() if since else 0:.0f}"
        made += bool(notice_to_citizen(citizen=citizen, kind=Notice.Kind.SERVICE, subject=subject, body=body,
                                       dedup_key=key[:120]))
    return made
