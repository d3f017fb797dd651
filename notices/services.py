"""Writes: a notice for every change of a citizen's points, and their delivery.

Notices are created inside the ledger write's transaction (``points.signals.standings_changing``),
so a change is never committed without its notice and no notice survives a rolled-back change.
Delivery happens after commit (``transaction.on_commit``) through the configured backend; a
backend that fails leaves the notice ``failed`` for ``manage.py deliver_notices`` to retry.
"""
import logging
from itertools import groupby

from django.db import transaction
from django.utils import timezone

from notices import wording
from notices.backends import backend_path, get_backend
from notices.models import Notice
from points import bulk
from points.models import LedgerEntry

logger = logging.getLogger("notices")

_KINDS = {
    LedgerEntry.Kind.OPENING: Notice.Kind.ENROLMENT,
    LedgerEntry.Kind.RULE: Notice.Kind.POINTS,
    LedgerEntry.Kind.REVERSAL: Notice.Kind.REVERSAL,
    LedgerEntry.Kind.EXPIRY: Notice.Kind.EXPIRY,
    # Due process (appeals, lifts): told as the change of points they are, in their own words (wording._why).
    LedgerEntry.Kind.SUSPENSION: Notice.Kind.REVERSAL,
    LedgerEntry.Kind.LIFT: Notice.Kind.REVERSAL,
    LedgerEntry.Kind.REINSTATEMENT: Notice.Kind.POINTS,
}


def notices_create(*, changes, policy, at) -> list:
    """One notice per (citizen, event) in ``changes`` (see ``points.signals``), written in bulk."""
    backend, tz = get_backend(), timezone.get_current_timezone()
    grades, notices = {}, []
    for citizen, entries in changes:
        for _, group in groupby(entries, key=lambda entry: entry.event_id):
            group = list(group)
            grade_before = grades.get(citizen.pk, citizen.grade)
            grades[citizen.pk] = policy.grade_for(group[-1].balance_after)
            notices.append(_notice(citizen, group, policy, at, grade_before, grades[citizen.pk], backend, tz))
    bulk.insert_all(Notice, notices)
    if backend.delivers and notices:
        ids = [notice.pk for notice in notices]
        transaction.on_commit(lambda: notices_deliver(ids=ids))
    return notices


def _notice(citizen, entries, policy, at, grade_before, grade_after, backend, tz) -> Notice:
    event, first = entries[0].event, entries[0]
    opening = first.kind == LedgerEntry.Kind.OPENING
    score_before = None if opening else first.balance_after - first.delta
    score_after = entries[-1].balance_after
    return bulk.build(
        Notice, citizen_id=citizen.pk, event_id=event.pk, kind=_KINDS[first.kind], created_at=at,
        score_before=score_before, score_after=score_after, grade_before=grade_before or "", grade_after=grade_after,
        rule_ids=[entry.rule_id for entry in entries],
        subject=wording.subject(kind=first.kind, score_before=score_before, score_after=score_after,
                                grade_before=grade_before, grade_after=grade_after),
        body=wording.body(citizen=citizen, event=event, entries=entries, policy=policy, score_before=score_before,
                          grade_before=grade_before, grade_after=grade_after, tz=tz),
        appeal_deadline_days=policy.appeal_deadline_days if wording.appealable(event, entries) else None,
        channel=backend_path(),
        delivery_status=Notice.Delivery.PENDING if backend.delivers else Notice.Delivery.STORED,
    )


def notices_deliver(*, ids=None, now=None) -> dict:
    """Send pending (or, with ``ids``, those) notices through the configured backend; returns counts."""
    backend = get_backend()
    if not backend.delivers:
        return {"delivered": 0, "failed": 0}
    pending = Notice.objects.filter(delivery_status__in=[Notice.Delivery.PENDING, Notice.Delivery.FAILED])
    if ids is not None:
        pending = pending.filter(pk__in=ids)
    delivered, failed = [], []
    for notice in pending.select_related("citizen").order_by("pk").iterator(chunk_size=500):
        try:
            backend.send(notice)
        except Exception as exc:  # a channel's failure must not lose the notice; it is retried later
            logger.warning("notice %s not delivered: %s", notice.pk, exc)
            failed.append((notice.pk, f"{type(exc).__name__}: {exc}"))
        else:
            delivered.append(notice.pk)
    _record_outcomes(delivered, failed, now or timezone.now())
    return {"delivered": len(delivered), "failed": len(failed)}


def _record_outcomes(delivered, failed, now) -> None:
    from django.db.models import F

    Notice.objects.filter(pk__in=delivered).update(
        delivery_status=Notice.Delivery.DELIVERED, delivered_at=now, attempts=F("attempts") + 1, last_error="")
    for pk, error in failed:
        Notice.objects.filter(pk=pk).update(
            delivery_status=Notice.Delivery.FAILED, attempts=F("attempts") + 1, last_error=error[:2000])
