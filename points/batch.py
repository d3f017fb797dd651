"""Many reports in one call: each applied or rejected on its own, in order.

Each item goes through ``event_report`` in its own transaction, so one bad item
never blocks or undoes another, and a retried batch (same idempotency keys)
replays what was applied and applies what was not.
"""
import logging
from dataclasses import dataclass

from django.db import DatabaseError

from points.exceptions import ApplicationError
from points.models import Agency
from points.services import ReportResult, event_report

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


def events_report_batch(*, agency: Agency, items: list, reported_by=None) -> list[BatchItemResult]:
    """Report each item (a dict of ``event_report`` keyword arguments) on its own.

    An item may instead be an ``ApplicationError`` the caller raised while parsing
    it; it is reported back in its place, so results always line up with items.
    """
    if len(items) > MAX_BATCH_ITEMS:
        raise BatchTooLarge(
            f"A batch holds at most {MAX_BATCH_ITEMS} reports; this one has {len(items)}.",
            field_errors={"items": [f"at most {MAX_BATCH_ITEMS} items"]},
        )
    return [_report_one(agency, index, item, reported_by) for index, item in enumerate(items)]


def _report_one(agency, index, item, reported_by) -> BatchItemResult:
    if isinstance(item, ApplicationError):
        return BatchItemResult(index=index, error=item)
    try:
        return BatchItemResult(index=index, result=event_report(agency=agency, reported_by=reported_by, **item))
    except ApplicationError as exc:
        return BatchItemResult(index=index, error=exc)
    except DatabaseError:
        # The item's own transaction rolled back; the others stand. The client retries it with the same key.
        logger.exception("Batch item %s of agency %s failed in the database", index, agency.code)
        return BatchItemResult(index=index, error=RetryLater(
            "This report could not be applied just now; nothing of it was recorded. "
            "Send it again with the same idempotency key."))


def batch_totals(results: list[BatchItemResult]) -> dict:
    """How many items were applied, replayed and rejected."""
    totals = {"total": len(results), "applied": 0, "replayed": 0, "rejected": 0}
    for item in results:
        totals[item.outcome] += 1
    return totals
