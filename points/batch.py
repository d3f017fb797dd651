"""Many reports in one call: each applied or rejected on its own, results in order.

Every item is checked exactly as ``event_report`` checks one report (the same
``validate_report``, replay and conflict rules). Items that pass are written
together through the bulk writer the ingest command uses: one transaction,
bulk inserts, the batch's citizens locked in primary-key order. If that
transaction fails (typically a concurrent request committed one of the same
idempotency keys first) nothing of it stays, and each item is then applied
with ``event_report`` in its own transaction. Either way each item is applied
entirely or not at all, and a retried batch replays what was applied.
"""
import logging
from dataclasses import dataclass

from django.db import DatabaseError, transaction
from django.utils import timezone

from citizens.models import Citizen
from citizens.validators import resident_id_problem
from core.exceptions import ApplicationError, IdempotencyConflict
from points import bulk
from points.ingest import IngestItem, write_batch
from points.models import Agency, Event
from points.selectors import citizen_get
from points.services import ReportResult, event_report, report_fingerprint, validate_report
from rules.registry import current_policy

logger = logging.getLogger(__name__)

MAX_BATCH_ITEMS = 1000


class BatchTooLarge(ApplicationError):
    code = "batch_too_large"
    http_status = 413


class RetryLater(ApplicationError):
    """The database could not apply this item just now; nothing of it was written."""

    code = "retry_later"
    http_status = 503


@dataclass(frozen=True)
class BatchItemResult:
    """What happened to one item: ``result`` if applied or replayed, else ``error``."""

    index: int
    result: ReportResult | None = None
    error: ApplicationError | None = None

    @property
    def outcome(self) -> str:
        if self.error is not None:
            return "rejected"
        return "applied" if self.result.created else "replayed"


@dataclass
class _Pending:
    """One item on its way: its position, ``event_report`` arguments, and what the checks found."""

    index: int
    kwargs: dict
    fingerprint: str
    citizen: Citizen | None = None
    cleaned: dict | None = None


def batch_check_size(count: int) -> None:
    """Raise BatchTooLarge (413) for more than MAX_BATCH_ITEMS items."""
    if count > MAX_BATCH_ITEMS:
        raise BatchTooLarge(f"A batch holds at most {MAX_BATCH_ITEMS} reports; this one has {count}.",
                            field_errors={"items": [f"at most {MAX_BATCH_ITEMS} items"]})


def events_report_batch(*, agency: Agency, items: list, reported_by=None) -> list[BatchItemResult]:
    """Report each item (a dict of ``event_report`` keyword arguments) on its own; see the module docstring.

    An item may instead be an ``ApplicationError`` the caller raised while parsing
    it; it is reported back in its place, so results always line up with items.
    """
    batch_check_size(len(items))
    results: dict[int, BatchItemResult] = {}
    fresh, one_by_one = _sort(agency, items, results)
    if fresh and reported_by is None:
        _apply_together(agency, fresh, results)
    else:
        one_by_one.extend(fresh)
    for pending in sorted(one_by_one, key=lambda p: p.index):
        results[pending.index] = _report_one(agency, pending, reported_by)
    return [results[index] for index in range(len(items))]


def _sort(agency, items, results) -> tuple[list, list]:
    """Errors and replays settled now; first uses of new keys kept for the joint write; the rest one by one."""
    pending = []
    for index, item in enumerate(items):
        if isinstance(item, ApplicationError):
            results[index] = BatchItemResult(index=index, error=item)
        else:
            pending.append(_Pending(index, item, _fingerprint(item)))
    keys = [p.kwargs.get("idempotency_key") for p in pending]
    known = {e.idempotency_key: e for e in Event.objects.filter(
        agency=agency, idempotency_key__in=[k for k in keys if _plain_key(k)]).select_related("citizen")}
    fresh, one_by_one, seen = [], [], set()
    for item in pending:
        key = item.kwargs.get("idempotency_key")
        if key in known:
            results[item.index] = _replay(known[key], item)
        elif not _plain_key(key) or key in seen or item.fingerprint is None:
            one_by_one.append(item)  # event_report gives the exact error, replay or conflict
        else:
            seen.add(key)
            fresh.append(item)
    return fresh, one_by_one


def _apply_together(agency, fresh, results) -> None:
    """Lock the citizens, check every item, write the valid ones in one transaction.

    If the transaction fails, nothing of it stays and each item goes through
    ``event_report`` in its own transaction instead.
    """
    policy, now = current_policy(), timezone.now()
    try:
        with transaction.atomic():
            ids = {p.kwargs.get("resident_id") for p in fresh}
            citizens = bulk.lock_in_bulk(Citizen, [i for i in ids if resident_id_problem(i) is None],
                                         field_name="resident_id")
            valid = [p for p in fresh if _validate(agency, p, citizens, policy, now, results)]
            written = write_batch([
                IngestItem(line=p.index, agency=agency, data=p.kwargs, occurred_at=p.kwargs["occurred_at"],
                           fingerprint=p.fingerprint, citizen=p.citizen, cleaned=p.cleaned)
                for p in valid], policy, now)
    except DatabaseError:
        for pending in fresh:
            results[pending.index] = _report_one(agency, pending, None)
        return
    for pending, (event, entries) in zip(valid, written, strict=True):
        # Standings are the citizen's after the whole batch, as a single report's are after it.
        results[pending.index] = BatchItemResult(index=pending.index, result=ReportResult(
            event=event, entries=entries, score=pending.citizen.score, grade=pending.citizen.grade, created=True))


def _validate(agency, item, citizens, policy, now, results) -> bool:
    """Every check ``event_report`` makes, against the locked citizen row."""
    kwargs = item.kwargs
    try:
        item.citizen = citizens.get(kwargs["resident_id"]) or citizen_get(resident_id=kwargs["resident_id"])
        item.cleaned = validate_report(
            agency=agency, citizen=item.citizen, event_type=kwargs["event_type"], occurred_at=kwargs["occurred_at"],
            attributes=kwargs.get("attributes") or {}, policy=policy, now=now,
        )
    except ApplicationError as exc:
        results[item.index] = BatchItemResult(index=item.index, error=exc)
        return False
    return True


def _report_one(agency, pending, reported_by) -> BatchItemResult:
    try:
        result = event_report(agency=agency, reported_by=reported_by, **pending.kwargs)
        return BatchItemResult(index=pending.index, result=result)
    except ApplicationError as exc:
        return BatchItemResult(index=pending.index, error=exc)
    except DatabaseError:
        # The item's own transaction rolled back; the others stand. The client retries it with the same key.
        logger.exception("Batch item %s of agency %s failed in the database", pending.index, agency.code)
        return BatchItemResult(index=pending.index, error=RetryLater(
            "This report could not be applied just now; nothing of it was recorded. "
            "Send it again with the same idempotency key."))


def _replay(event, pending) -> BatchItemResult:
    if event.fingerprint != pending.fingerprint:
        key = pending.kwargs["idempotency_key"]
        return BatchItemResult(index=pending.index, error=IdempotencyConflict(
            f"Idempotency key '{key}' was already used for a different report (event {event.pk}).",
            extra={"event_id": event.pk}))
    entries = list(event.entries.filter(reverses__isnull=True).order_by("id"))
    return BatchItemResult(index=pending.index, result=ReportResult(
        event=event, entries=entries, score=event.citizen.score, grade=event.citizen.grade, created=False))


def _fingerprint(kwargs: dict) -> str | None:
    try:
        return report_fingerprint(kwargs["resident_id"], kwargs["event_type"], kwargs["occurred_at"],
                                  kwargs.get("attributes") or {})
    except (KeyError, TypeError):
        return None


def _plain_key(key) -> bool:
    return isinstance(key, str) and 0 < len(key.strip()) and len(key) <= 128


def batch_totals(results: list[BatchItemResult]) -> dict:
    """How many items were applied, replayed and rejected."""
    totals = {"total": len(results), "applied": 0, "replayed": 0, "rejected": 0}
    for item in results:
        totals[item.outcome] += 1
    return totals
