"""The file channel: a JSON-lines file of reports through ``points.pipeline``, batch by batch.

Each line is parsed here (JSON, the required fields, the agency by code) and then admitted, planned
and written by the same pipeline as an API report; a rejected line keeps its line number and the
error an API client would get. Lines whose report was recorded before are counted as duplicates,
so re-running a file changes nothing.
"""
import itertools
import json
from dataclasses import dataclass, field

from core.exceptions import ApplicationError, NotFound, ValidationFailed
from points import checkpoints
from points.models import Agency
from points.pipeline import report_all
from points.services import Report

REQUIRED_FIELDS = ("agency", "resident_id", "event_type", "occurred_at", "idempotency_key")


@dataclass
class IngestReport:
    """Counts for a run, and one ``(line, error dict)`` per rejected line."""

    applied: int = 0
    duplicates: int = 0
    entries: int = 0
    rejected: list = field(default_factory=list)


def events_ingest(*, lines, batch_size: int = 500, progress=None, now=None, workers: int = 1,
                  migrated: bool = False, before_batch=None) -> IngestReport:
    """Apply ``(line number, text)`` pairs in batches; see the module docstring.

    ``workers`` > 1 spreads the work over that many processes (PostgreSQL; ``points.parallel``).
    ``before_batch(number)`` is called before each batch of each process (the ingest command keeps
    table statistics fresh with it). A signed checkpoint of the ledger is appended to the store once
    the run is committed (``points.checkpoints``).
    """
    if migrated and workers > 1:
        raise ValidationFailed("Migrated records are loaded in one process (--workers 1).")
    if workers > 1:
        from points.parallel import events_ingest_parallel  # multiprocessing only when asked for

        report = events_ingest_parallel(lines=lines, workers=workers, batch_size=batch_size, progress=progress,
                                        now=now, before_batch=before_batch)
    else:
        report = apply_batches(_chunks(lines, batch_size), now=now, progress=progress, migrated=migrated,
                               before_batch=before_batch)
    checkpoints.checkpoint_after_run()
    return report


def _chunks(items, size: int):
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def apply_batches(batches, *, now=None, progress=None, migrated: bool = False, before_batch=None) -> IngestReport:
    """Apply batches of ``(line number, text)`` pairs one after the other; the counts of all."""
    report = IngestReport()
    agencies = {a.code: a for a in Agency.objects.all()}
    for number, batch in enumerate(batches):
        if before_batch:
            before_batch(number)
        apply_batch(batch, agencies, report, now, migrated)
        if progress:
            progress(len(batch))
    return report


def apply_batch(batch, agencies, report: IngestReport, now=None, migrated: bool = False) -> None:
    """Apply one batch of ``(line number, text)`` pairs, adding what happened to ``report``.

    ``migrated``: the lines come from an earlier register (events may predate enrolment; marked so).
    """
    items = [_parse(text, agencies, migrated) for _, text in batch]
    for (line, _), outcome in zip(batch, report_all(items, now=now), strict=True):
        if outcome.error is not None:
            report.rejected.append((line, outcome.error.as_dict()))
        elif outcome.result.created:
            report.applied += 1
            report.entries += len(outcome.result.entries)
        else:
            report.duplicates += 1


def _parse(text, agencies, migrated) -> Report | ApplicationError:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return ValidationFailed(f"Not JSON: {exc.msg}")
    if not isinstance(data, dict):
        return ValidationFailed("Each line must be a JSON object.")
    missing = [name for name in REQUIRED_FIELDS if not data.get(name)]
    if missing:
        return ValidationFailed("Missing fields.", field_errors={name: ["required"] for name in missing})
    agency = agencies.get(data["agency"]) if isinstance(data["agency"], str) else None
    if agency is None:
        return NotFound(f"Unknown agency '{data['agency']}'.", field_errors={"agency": ["unknown agency"]})
    return Report(agency=agency, resident_id=data["resident_id"], event_type=data["event_type"],
                  occurred_at=data["occurred_at"], attributes=data.get("attributes"), key=data["idempotency_key"],
                  migrated=migrated)
