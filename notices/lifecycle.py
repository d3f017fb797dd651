"""Writes: the notices that are not ledger changes — appeals filed, decided or overdue, points
about to stop counting, and services refused or sent to review because of the grade.

Each is written in the caller's transaction through ``notices.services`` and, when a scheduled job
or a repeated lookup makes it, carries a ``dedup_key``, so running the job again tells no one twice.
"""
import datetime

from django.conf import settings
from django.db.models import BigIntegerField
from django.db.models.functions import Cast, Substr
from django.utils import timezone

from appeals.selectors import appeals_overdue
from notices import wording
from notices.models import Notice
from notices.services import notice_to_agency, notice_to_citizen
from points.models import LedgerEntry

REFUSED = ("review", "denied")  # service decisions the person is told about


def appeal_filed_notices(*, appeal) -> list:
    """Tell the citizen, and the agency that reported the event, that an appeal was filed."""
    subject, body = wording.appeal_filed(appeal)
    to_citizen = notice_to_citizen(citizen=appeal.citizen, kind=Notice.Kind.APPEAL_FILED, subject=subject,
                                   body=body, event=appeal.event, appeal=appeal,
                                   dedup_key=f"appeal-filed:{appeal.pk}")
    subject, body = wording.appeal_filed(appeal, to_agency=True)
    to_agency = notice_to_agency(agency=appeal.event.agency, kind=Notice.Kind.APPEAL_FILED, subject=subject,
                                 body=body, event=appeal.event, appeal=appeal,
                                 dedup_key=f"appeal-filed-agency:{appeal.pk}")
    return [n for n in (to_citizen, to_agency) if n]


def appeal_decided_notice(*, appeal) -> Notice | None:
    """Tell the citizen the decision and its written reasons (once per appeal)."""
    subject, body = wording.appeal_decided(appeal)
    return notice_to_citizen(citizen=appeal.citizen, kind=Notice.Kind.APPEAL_DECIDED, subject=subject, body=body,
                             event=appeal.event, appeal=appeal, dedup_key=f"appeal-decided:{appeal.pk}")


def appeals_overdue_notices(*, today: datetime.date | None = None) -> int:
    """Tell each citizen whose appeal is past its deadline (once per appeal); returns how many."""
    today = today or timezone.localdate()
    made = 0
    for appeal in appeals_overdue(today=today).select_related("event__agency"):
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
        subject, body = wording.service_decision(decision, citizen=citizen)
        key = f"service:{citizen.pk}:{decision.service}:{decision.decision}:{citizen.grade}:" \
              f"{since.timestamp() if since else 0:.0f}"
        made += bool(notice_to_citizen(citizen=citizen, kind=Notice.Kind.SERVICE, subject=subject, body=body,
                                       dedup_key=key[:120]))
    return made
