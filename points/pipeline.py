"""The one report pipeline: parse, admit, lock, plan, write — for every channel.

A channel (the API's single and batch endpoints, ``ingest_events``, the admin's adjustments and
corrections) parses its input into ``admission.Report`` objects, or into the ``ApplicationError``
that rejects an item, and hands them to ``report_all``. In order:

1. the static admission check (``admission.check_static``) of every report;
2. in one transaction, the citizens' rows locked in primary-key order and, in the same round trip,
   the keys used before read: the same report is replayed, another one refused
   (``admission.replay_or_conflict``); a key repeated within the call waits until its first use is
   settled, then is judged the same way;
3. each first use checked against its citizen (``admission.check_locked``), planned
   (``points.scoring``) and written (``points.writer``);
4. if that transaction fails in the database (typically a concurrent request committed one of the same
   keys first), nothing of it stays and each report goes through the pipeline alone; alone, a report
   whose key was committed meanwhile is replayed, and any other failure is ``RetryLater``.

Each report is applied entirely or not at all, and results line up with the items. ``report_one``
is a call of one.
"""
import logging
from dataclasses import dataclass

from django.db import DatabaseError, transaction
from django.utils import timezone

from citizens.models import Citizen
from core.exceptions import ApplicationError
from points import admission, writer
from points.db import bulk
from points.models import Event, LedgerEntry
from rules.registry import current_policy

logger = logging.getLogger(__name__)


class RetryLater(ApplicationError):
    """The database could not apply this report just now; nothing of it was written."""

    code = "retry_later"
    http_status = 503


@dataclass(frozen=True)
class ReportResult:
    """What a report did: the event, the entries it caused, the citizen's new standing."""

    event: Event
    entries: list
    score: int
    grade: str
    created: bool


@dataclass(frozen=True)
class Outcome:
    """What happened to one item: ``result`` if applied or replayed, else ``error``."""

    index: int
    result: ReportResult | None = None
    error: ApplicationError | None = None

    @property
    def outcome(self) -> str:
        if self.error is not None:
            return "rejected"
        return "applied" if self.result.created else "replayed"


def report_one(report: admission.Report, *, now=None) -> ReportResult:
    """Run one report through the pipeline; its result, or its error raised."""
    outcome = report_all([report], now=now)[0]
    if outcome.error is not None:
        raise outcome.error
    return outcome.result


def report_all(items: list, *, now=None) -> list[Outcome]:
    """Run ``items`` (``admission.Report`` or ``ApplicationError``) through the pipeline; see the module docstring."""
    now = now or timezone.now()
    outcomes: dict[int, Outcome] = {}
    pending = []
    for index, item in enumerate(items):
        try:
            if isinstance(item, ApplicationError):
                raise item
            admission.check_static(item)
            pending.append((index, item))
        except ApplicationError as exc:
            outcomes[index] = Outcome(index, error=exc)
    repeats = _apply(pending, current_policy(), now, outcomes) if pending else []
    if repeats:
        for position, outcome in enumerate(report_all([report for _, report in repeats], now=now)):
            index = repeats[position][0]
            outcomes[index] = Outcome(index, outcome.result, outcome.error)
    return [outcomes[index] for index in range(len(items))]


def _apply(pending, policy, now, outcomes) -> list:
    """Apply ``pending`` in one transaction; the repeats of a key first used in the call, left for later."""
    try:
        with transaction.atomic():
            return _apply_locked(pending, policy, now, outcomes)
    except DatabaseError:
        if len(pending) > 1:
            for one in pending:  # alone, a repeat finds its first use committed
                _apply([one], policy, now, outcomes)
            return []
        index, report = pending[0]
        logger.warning("Report %s of agency %s failed in the database", report.key, report.agency.code,
                       exc_info=True)
        outcomes[index] = _after_failure(index, report)
        return []


def _apply_locked(pending, policy, now, outcomes) -> list:
    # The keys used before are read in the round trip that locks the citizens' rows.
    locked, *found = bulk.read_together(
        bulk.LockInBulk(Citizen, [report.resident_id for _, report in pending], "resident_id"),
        *admission.earlier_reads([report for _, report in pending]))
    fresh, repeats = _settle_earlier(pending, admission.earlier_found(found), outcomes, locked)
    admitted = []
    for index, report in fresh:
        try:
            report.citizen = locked.get(report.resident_id)
            report.cleaned = admission.check_locked(report, report.citizen, policy, now)
            admitted.append((index, report))
        except ApplicationError as exc:
            outcomes[index] = Outcome(index, error=exc)
    written = writer.write_reports([report for _, report in admitted], policy, now)
    for (index, report), (event, entries) in zip(admitted, written, strict=True):
        # The standing is the citizen's after the whole call, as a single report's is after it.
        outcomes[index] = Outcome(index, ReportResult(event=event, entries=entries, score=report.citizen.score,
                                                      grade=report.citizen.grade, created=True))
    return repeats


def _settle_earlier(pending, earlier, outcomes, citizens) -> tuple[list, list]:
    """Replay or refuse reports whose key was used before; keep first uses apart from repeats.

    ``citizens``: the locked rows by resident ID, which hold the citizen of a replayed report (it
    names the same person) unless their resident ID was corrected since; missing ones are read.
    """
    replayed, fresh, repeats, seen = [], [], [], set()
    for index, report in pending:
        key = (report.agency.pk, report.key)
        if key in earlier:
            try:
                replayed.append((index, report, admission.replay_or_conflict(report, earlier[key])))
            except ApplicationError as exc:
                outcomes[index] = Outcome(index, error=exc)
        elif key in seen:
            repeats.append((index, report))
        else:
            seen.add(key)
            fresh.append((index, report))
    if replayed:
        entries = _live_entries([event.pk for _, _, event in replayed])
        people = {citizen.pk: citizen for citizen in citizens.values()}
        if missing := {event.citizen_id for _, _, event in replayed} - people.keys():
            people.update(Citizen.objects.in_bulk(missing))
    for index, _, event in replayed:
        citizen = people[event.citizen_id]
        outcomes[index] = Outcome(index, ReportResult(event=event, entries=entries.get(event.pk, []),
                                                      score=citizen.score, grade=citizen.grade, created=False))
    return fresh, repeats


def _live_entries(event_ids) -> dict:
    """The entries each event caused that are not themselves reversals, for replayed results."""
    by_event = {}
    if event_ids:
        for entry in LedgerEntry.objects.filter(event_id__any=event_ids, reverses__isnull=True).order_by("id"):
            by_event.setdefault(entry.event_id, []).append(entry)
    return by_event


def _after_failure(index, report) -> Outcome:
    """A report alone whose write failed: replayed if a concurrent request committed its key, else retry later."""
    earlier = admission.earlier_events([report])
    if earlier:
        outcome = {}
        _settle_earlier([(index, report)], earlier, outcome, {})
        return outcome[index]
    return Outcome(index, error=RetryLater(
        "This report could not be applied just now; nothing of it was recorded. "
        "Send it again with the same idempotency key."))
