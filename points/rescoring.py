"""Applying a newly published policy to the past: retroactive re-scoring and re-grading.

Nothing here edits the ledger. Re-scoring an event voids it (its live entries are
reversed, each reversal linked to the entry it undoes) and records a replacement event
that ``corrects`` it, carrying the entries the new policy gives. Which events change is
decided by ``points.replay`` — the same replay ``rules simulate`` reports — so a
re-scoring writes exactly what the simulation showed. Each citizen is re-scored in one
transaction holding their row lock, so concurrent reports wait and totals stay exact.
"""
from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from citizens.models import Citizen
from points import writer
from points.history import citizen_history, entry_rows, event_rows
from points.models import Event, LedgerEntry
from points.replay import CachedEvaluation, Outcome, replay, scratch_citizen
from points.writer import ENROLMENT_EVENT_TYPE

KEY_PREFIX = "rescore"


@dataclass
class RescoreReport:
    """What a re-scoring changed."""

    citizens: int = 0
    citizens_changed: int = 0
    events_rescored: int = 0
    reversals: int = 0
    entries: int = 0


def citizens_rescore(*, policy, since: datetime.date | None = None, by: str, now=None,
                     progress: Callable[[int], None] | None = None) -> RescoreReport:
    """Re-score the events (occurred on or after ``since``) of every enrolled citizen under ``policy``.

    Safe to run again after an interruption: citizens already re-scored have nothing left to change.
    """
    now = now or timezone.now()
    report = RescoreReport()
    events = Event.objects.filter(status=Event.Status.APPLIED, citizen__enrolled_at__isnull=False)
    if since is not None:
        events = events.filter(occurred_at__date__gte=since)
    ids = sorted(set(events.exclude(event_type=ENROLMENT_EVENT_TYPE).values_list("citizen_id", flat=True)))
    evaluation = CachedEvaluation(policy)  # the engine's answers, remembered across citizens
    for citizen_id in ids:
        changed = citizen_rescore(citizen_id=citizen_id, policy=policy, since=since, by=by, now=now,
                                  evaluation=evaluation)
        report.citizens += 1
        report.citizens_changed += bool(changed)
        report.events_rescored += len(changed)
        report.reversals += sum(1 for e in _flatten(changed) if e.kind == LedgerEntry.Kind.REVERSAL)
        report.entries += sum(1 for e in _flatten(changed) if e.kind == LedgerEntry.Kind.RULE)
        if progress:
            progress(1)
    return report


def _flatten(changed: dict) -> list:
    return [entry for entries in changed.values() for entry in entries]


def citizen_rescore(*, citizen_id: int, policy, since: datetime.date | None, by: str, now,
                    evaluation=None) -> dict:
    """Re-score one citizen atomically; returns ``{voided event id: entries written}``.

    ``evaluation`` may be a ``CachedEvaluation`` of ``policy`` (same answers, faster).
    """
    with transaction.atomic():
        citizen = Citizen.objects.select_for_update().get(pk=citizen_id)
        opening, events = citizen_history(event_rows(citizen_id=citizen_id), entry_rows(citizen_id=citizen_id))
        scratch = scratch_citizen(pk=citizen.pk, resident_id=citizen.resident_id, birth_date=citizen.birth_date,
                                  sex=citizen.sex, district=citizen.district, score=opening, policy=policy,
                                  enrolled_at=citizen.enrolled_at)
        outcomes = replay(citizen=scratch, events=events, policy=evaluation or policy, since=since)
        outcomes = [o for o in outcomes if o.changed]
        if not outcomes:
            return {}
        writer.record_policy_version(policy)
        originals = Event.objects.select_for_update().in_bulk([o.event.id for o in outcomes])
        written = {}
        for outcome in outcomes:
            written[outcome.event.id] = _rescore_event(citizen, originals[outcome.event.id], outcome, policy, by, now)
        writer.save_standings(changes=[(citizen, _flatten(written))], policy=policy, at=now)
        return written


def _rescore_event(citizen, event: Event, outcome: Outcome, policy, by: str, now) -> list:
    reason = f"Re-scored under policy version {policy.version[:12]} (published retroactively)."
    reversals = writer.reverse_event(citizen=citizen, event=event, reason=reason, at=now)
    writer.mark_event(event=event, status=Event.Status.VOIDED, reason=reason, by=by, at=now)
    replacement = writer.add_event(
        citizen=citizen, event_type=event.event_type, occurred_at=event.occurred_at, reported_at=event.reported_at,
        agency_id=event.agency_id, reported_by_id=event.reported_by_id, attributes=event.attributes,
        idempotency_key=f"{KEY_PREFIX}:{policy.version[:16]}:{event.pk}", fingerprint=event.fingerprint,
        policy_version=policy.version, corrects=event,
    )
    entries = writer.planned_entries(citizen=citizen, event=replacement, planned=outcome.planned, policy=policy,
                                     at=now)
    return reversals + writer.add_entries(entries)


def citizens_regrade(*, policy, at=None, batch_size: int = 1000) -> int:
    """Give every enrolled citizen the grade ``policy`` gives their score; returns how many changed.

    Needed when a published policy moves grade boundaries: stored grades are a cache
    of ``grade_for(score)``. Each change is recorded as a GradeChange pointing at the
    citizen's latest ledger entry (the one that set the score now graded differently).
    """
    at = at or timezone.now()
    stale = []
    for band in policy.grades:
        rows = Citizen.objects.filter(enrolled_at__isnull=False).exclude(grade=band.grade)
        if band.min is not None:
            rows = rows.filter(score__gte=band.min)
        if band.max is not None:
            rows = rows.filter(score__lte=band.max)
        stale.extend(rows.values_list("pk", flat=True))
    changed = 0
    for start in range(0, len(stale), batch_size):
        changed += _regrade_batch(sorted(stale[start:start + batch_size]), policy, at)
    return changed


def _regrade_batch(ids: list[int], policy, at) -> int:
    with transaction.atomic():
        return writer.regrade(ids, policy=policy, at=at)
