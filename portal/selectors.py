"""What the citizen's pages show: their record explained, the score over time, their appeals and
notices. Every query is filtered by the signed-in citizen; nothing here takes an id from a URL
without that filter, so another person's id finds nothing (404)."""
import datetime
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals.models import Appeal, Evidence
from notices.models import Notice
from officials.charts import score_chart
from points.explain import entry_explanation
from points.models import Event, LedgerEntry
from points.selectors import eligibility_all
from points.services import ENROLMENT_EVENT_TYPE
from rules.registry import current_policy

# Entries whose moment is the event's: the rest (reversals, expiries, suspensions...) happen when made.
_AT_OCCURRENCE = (LedgerEntry.Kind.OPENING, LedgerEntry.Kind.RULE)
LINES_PER_PAGE = 50


@dataclass(frozen=True)
class RecordLine:
    """One ledger entry as the citizen sees it; ``explanation`` is ``points.explain``'s, unchanged."""

    entry: LedgerEntry
    explanation: object
    occurred_on: datetime.date
    stops_counting: datetime.date | None
    reversed_on: datetime.date | None
    appeal: Appeal | None
    can_appeal: bool
    appeal_closed_on: datetime.date | None


def record_context(*, citizen, page=None) -> dict:
    """Everything the record page shows, in a fixed number of queries whatever the ledger's length: the
    chart from every entry (three columns each), the explained lines for one page of entries, newest first."""
    policy = current_policy()
    ledger = LedgerEntry.objects.filter(citizen=citizen)
    history = score_history(list(ledger.order_by("id").values_list("id", "kind", "delta", "created_at",
                                                                    "event__occurred_at")))
    ledger_page = Paginator(ledger.select_related("event", "event__agency", "reversed_by").order_by("-id"),
                            LINES_PER_PAGE).get_page(page)
    appeals = _latest_appeals(citizen)
    today = timezone.localdate()
    return {
        "lines": [_line(entry, policy, appeals, today) for entry in ledger_page.object_list],
        "ledger_page": ledger_page,
        "decisions": eligibility_all(citizen=citizen) if citizen.is_enrolled else [],
        "chart": score_chart(points=history, title=_("Your score by date of occurrence"),
                             bands=[(band.grade, band.min, band.max) for band in policy.grades], width=640),
        "grade_band": next((band for band in policy.grades if band.grade == citizen.grade), None),
        "policy_version": policy.version,
        "open_appeals": [a for a in appeals.values() if a.is_open],
    }


def _latest_appeals(citizen) -> dict:
    """The newest appeal of each contested event of the citizen, by event id."""
    latest = {}
    for appeal in Appeal.objects.filter(citizen=citizen).order_by("filed_at", "id"):
        latest[appeal.event_id] = appeal
    return latest


def _line(entry: LedgerEntry, policy, appeals: dict, today) -> RecordLine:
    event = entry.event
    reversed_by = getattr(entry, "reversed_by", None)
    window_end = timezone.localdate(event.reported_at) + datetime.timedelta(days=policy.citizen_filing_days)
    appeal = appeals.get(event.pk)
    appealable = (entry.kind == LedgerEntry.Kind.RULE and event.event_type != ENROLMENT_EVENT_TYPE
                  and event.status == Event.Status.APPLIED and not (appeal and appeal.is_open))
    return RecordLine(
        entry=entry, explanation=entry_explanation(entry=entry, policy=policy), occurred_on=_occurred_on(entry),
        stops_counting=entry.expires_on if reversed_by is None else None,
        reversed_on=timezone.localdate(reversed_by.created_at) if reversed_by is not None else None,
        appeal=appeal if entry.kind == LedgerEntry.Kind.RULE else None,
        can_appeal=appealable and today <= window_end,
        appeal_closed_on=window_end if appealable and today > window_end else None,
    )


def _occurred_on(entry: LedgerEntry) -> datetime.date:
    moment = entry.event.occurred_at if entry.kind in _AT_OCCURRENCE else entry.created_at
    return timezone.localdate(moment)


def score_history(rows) -> list[tuple]:
    """(moment, score) from (id, kind, delta, created_at, event's occurred_at) rows, each entry placed
    at its date of occurrence: a rule's points at the day the event happened, a reversal or expiry on
    the day it was made. The score after each step is the sum of the entries up to it in that order."""
    steps = sorted((occurred if kind in _AT_OCCURRENCE else created, pk, delta)
                   for pk, kind, delta, created, occurred in rows)
    points, score = [], 0
    for moment, _pk, delta in steps:
        score += delta
        points.append((moment, score))
    return points


def own_event(*, citizen, event_id: int) -> Event:
    event = Event.objects.filter(pk=event_id, citizen=citizen).select_related("agency").first()
    if event is None:
        raise Http404(_("No such entry on your record."))
    return event


def own_appeal(*, citizen, appeal_id: int) -> Appeal:
    appeal = (Appeal.objects.filter(pk=appeal_id, citizen=citizen).select_related("event", "event__agency")
              .prefetch_related("transitions", "evidence_files").first())
    if appeal is None:
        raise Http404(_("No such appeal of yours."))
    return appeal


def own_evidence(*, citizen, appeal_id: int, evidence_id: int) -> Evidence:
    evidence = Evidence.objects.filter(pk=evidence_id, appeal_id=appeal_id, appeal__citizen=citizen).first()
    if evidence is None:
        raise Http404(_("No such file of yours."))
    return evidence


def own_appeals(*, citizen):
    return Appeal.objects.filter(citizen=citizen).select_related("event").order_by("-filed_at", "-id")


def own_notices(*, citizen, limit: int = 200):
    return Notice.objects.filter(citizen=citizen).order_by("-created_at", "-id")[:limit]
