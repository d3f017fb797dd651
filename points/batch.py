"""The API's batch of reports: up to ``MAX_BATCH_ITEMS`` items through ``points.pipeline`` in one call.

Each item is applied or rejected on its own, exactly as it would be alone; results are in order.
"""
from core.exceptions import ApplicationError
from points.models import Agency
from points.pipeline import Outcome as BatchItemResult
from points.pipeline import RetryLater, report_all
from points.services import Report

__all__ = ["BatchItemResult", "BatchTooLarge", "RetryLater", "batch_check_size", "batch_totals",
           "events_report_batch"]

MAX_BATCH_ITEMS = 1000


class BatchTooLarge(ApplicationError):
    code = "batch_too_large"
    http_status = 413


def batch_check_size(count: int) -> None:
    """Raise BatchTooLarge (413) for more than MAX_BATCH_ITEMS items."""
    if count > MAX_BATCH_ITEMS:
        raise BatchTooLarge(f"A batch holds at most {MAX_BATCH_ITEMS} reports; this one has {count}.",
                            field_errors={"items": [f"at most {MAX_BATCH_ITEMS} items"]})


def events_report_batch(*, agency: Agency, items: list, reported_by=None) -> list[BatchItemResult]:
    """Report each item (a dict of ``event_report`` keyword arguments, or the ``ApplicationError`` that
    rejected it while parsing) on its own; one result per item, in order."""
    batch_check_size(len(items))
    reports = [item if isinstance(item, ApplicationError) else _report(agency, item, reported_by) for item in items]
    return report_all(reports)


def _report(agency, item: dict, reported_by) -> Report:
    return Report(agency=agency, resident_id=item.get("resident_id"), event_type=item.get("event_type"),
                  occurred_at=item.get("occurred_at"), attributes=item.get("attributes"),
                  key=item.get("idempotency_key"), reported_by=reported_by)


def batch_totals(results: list[BatchItemResult]) -> dict:
    """How many items were applied, replayed and rejected."""
    totals = {"total": len(results), "applied": 0, "replayed": 0, "rejected": 0}
    for item in results:
        totals[item.outcome] += 1
    return totals
