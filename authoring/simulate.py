"""``rules simulate``: replay the stored events under a draft policy and measure the impact. Writes nothing.

For every enrolled citizen, the applied events (not enrolments) are replayed in report
order through ``points.replay`` on an unsaved copy of the citizen. The baseline is
the ledger as stored (what the policy in force and its predecessors gave); the draft score
is the stored score plus, for every replayed event, the draft's entries minus the stored
ones. That is exactly what ``publish --retroactive`` would write.

Rows are streamed per citizen-id range (``.iterator()`` over ``values_list`` ordered by
citizen and id). Ranges can run in several processes; each builds its own engine.
"""
from __future__ import annotations

import datetime as dt
import multiprocessing
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection, connections, transaction

from authoring.impact import Impact
from citizens.models import Citizen
from points.history import citizen_history, entry_rows, event_rows, grouped
from points.models import Event
from points.replay import CachedEvaluation, replay, scratch_citizen
from points.services import ENROLMENT_EVENT_TYPE
from rules.loader import policy_from_files
from rules.policy import Policy

CITIZEN_FIELDS = ("pk", "resident_id", "birth_date", "sex", "district", "score", "grade", "enrolled_at")
CHUNK_ROWS = 5000
RANGES_PER_WORKER = 8


def simulate(*, policy: Policy, since: dt.date | None = None, workers: int = 1,
             progress: Callable[[int], None] | None = None) -> tuple[Impact, float]:
    """The impact of ``policy`` on every enrolled citizen, and the seconds it took."""
    start = time.perf_counter()
    ranges = citizen_ranges(max(1, workers) * RANGES_PER_WORKER)
    if workers <= 1 or len(ranges) <= 1:
        impact = Impact()
        evaluation = CachedEvaluation(policy)
        for low, high in ranges:
            impact.merge(simulate_range(evaluation, low, high, since, progress))
    else:
        impact = _in_processes(dict(policy.files), ranges, since, workers, progress)
    return impact, time.perf_counter() - start


def events_to_replay() -> int:
    """How many events a simulation replays (for a progress bar)."""
    return Event.objects.filter(status=Event.Status.APPLIED).exclude(event_type=ENROLMENT_EVENT_TYPE).count()


def citizen_ranges(count: int) -> list[tuple[int, int]]:
    """About ``count`` half-open ranges of enrolled citizen ids with equal numbers of citizens."""
    ids = list(Citizen.objects.filter(enrolled_at__isnull=False).order_by("pk").values_list("pk", flat=True))
    if not ids:
        return []
    step = max(1, -(-len(ids) // count))
    bounds = ids[::step] + [ids[-1] + 1]
    return list(zip(bounds, bounds[1:], strict=False))


def simulate_range(policy, low: int, high: int, since: dt.date | None,
                   progress: Callable[[int], None] | None = None) -> Impact:
    """The impact on citizens with ids in [low, high), read in one consistent snapshot."""
    impact = Impact()
    with _snapshot():
        citizens = (
            Citizen.objects.filter(pk__gte=low, pk__lt=high, enrolled_at__isnull=False)
            .order_by("pk").values_list(*CITIZEN_FIELDS).iterator(chunk_size=CHUNK_ROWS)
        )
        span = {"citizen_id__gte": low, "citizen_id__lt": high}
        events = _Cursor(grouped(event_rows(**span).iterator(chunk_size=CHUNK_ROWS)))
        entries = _Cursor(grouped(entry_rows(**span).iterator(chunk_size=CHUNK_ROWS)))
        for row in citizens:
            replayed = _citizen(impact, policy, row, events.take(row[0]), entries.take(row[0]), since)
            if progress and replayed:
                progress(replayed)
    return impact


def _citizen(impact: Impact, policy, row: tuple, event_rows_: list, entry_rows_: list, since) -> int:
    pk, resident_id, birth_date, sex, district, score, grade, enrolled_at = row
    change = 0
    opening, events = citizen_history(event_rows_, entry_rows_)
    if events:
        scratch = scratch_citizen(pk=pk, resident_id=resident_id, birth_date=birth_date, sex=sex,
                                  district=district, score=opening, policy=policy, enrolled_at=enrolled_at)
        change = impact.add_outcomes(replay(citizen=scratch, events=events, policy=policy, since=since))
    impact.add_citizen(citizen_id=pk, resident_id=resident_id, score=score, grade=grade,
                       new_score=score + change, new_grade=policy.grade_for(score + change))
    return len(events)


class _Cursor:
    """Walks ``(citizen id, rows)`` groups in step with the citizens."""

    def __init__(self, groups: Iterator[tuple[int, list]]):
        self._groups = groups
        self._head = next(groups, None)

    def take(self, citizen_id: int) -> list:
        while self._head is not None and self._head[0] < citizen_id:
            self._head = next(self._groups, None)
        if self._head is not None and self._head[0] == citizen_id:
            rows, self._head = self._head[1], next(self._groups, None)
            return rows
        return []


@contextmanager
def _snapshot():
    """On PostgreSQL, one REPEATABLE READ transaction: citizens, events and entries agree."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


# --- several processes ---------------------------------------------------------------------

_worker_policy: CachedEvaluation | None = None


def _start_worker(files: dict) -> None:
    global _worker_policy
    _worker_policy = CachedEvaluation(policy_from_files(files))


def _run_range(task: tuple) -> tuple[dict, int]:
    low, high, since = task
    impact = simulate_range(_worker_policy, low, high, since)
    return impact.as_json(), impact.events


def _in_processes(files: dict, ranges: list, since, workers: int, progress) -> Impact:
    connections.close_all()  # each child opens its own connection
    context = multiprocessing.get_context("fork")
    impact = Impact()
    with context.Pool(workers, initializer=_start_worker, initargs=(files,)) as pool:
        for data, events in pool.imap_unordered(_run_range, [(low, high, since) for low, high in ranges]):
            impact.merge(Impact.from_json(data))
            if progress:
                progress(events)
    return impact
