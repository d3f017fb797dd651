"""The bulk path: apply a JSON-lines file of reports in batches.

Each line is validated exactly as ``event_report`` validates a single report;
a bad line is rejected with its line number and reason and never stops the
others. Valid lines of a batch are written in one transaction with bulk
inserts, holding the row locks of the batch's citizens. Lines whose
idempotency key was already applied are counted as duplicates, so re-running
a file changes nothing.
"""
import datetime
import itertools
import json
from dataclasses import dataclass, field

from django.db import DatabaseError, transaction
from django.utils import timezone

from citizens.models import Citizen
from core.exceptions import ApplicationError, IdempotencyConflict, NotFound, ValidationFailed
from notices.models import Notice
from points import bulk, checkpoints, ledger
from points.collector import quiet_collector
from points.models import Agency, Event, GradeChange, LedgerEntry
from points.services import event_report, jsonable_attributes, report_fingerprint, validate_report
from rules.registry import current_policy

REQUIRED_FIELDS = ("agency", "resident_id", "event_type", "occurred_at", "idempotency_key")


@dataclass
class IngestReport:
    """Counts for a run, and one ``(line, error dict)`` per rejected line."""

    applied: int = 0
    duplicates: int = 0
    entries: int = 0
    rejected: list = field(default_factory=list)


@dataclass
class IngestItem:
    line: int
    agency: Agency
    data: dict
    occurred_at: datetime.datetime
    fingerprint: str
    citizen: Citizen | None = None
    cleaned: dict | None = None
    migrated: bool = False


def events_ingest(*, lines, batch_size: int = 500, progress=None, now=None, workers: int = 1,
                  migrated: bool = False) -> IngestReport:
    """Apply ``(line number, text)`` pairs in batches; see the module docstring.

    ``workers`` > 1 spreads the work over that many processes (PostgreSQL; ``points.parallel``),
    which inherit the collector settings (``points.collector``). At the end, every table the run
    wrote is analysed if it changed by a tenth, once, for whoever reads it next, and a signed
    checkpoint of the ledger is appended to the store once the run is committed (``points.checkpoints``).
    """
    if migrated and workers > 1:
        raise ValidationFailed("Migrated records are loaded in one process (--workers 1).")
    with quiet_collector():
        if workers > 1:
            from points.parallel import events_ingest_parallel

            report = events_ingest_parallel(lines=lines, workers=workers, batch_size=batch_size,
                                            progress=progress, now=now)
        else:
            report = apply_batches(_chunks(lines, batch_size), now=now, progress=progress, migrated=migrated)
    bulk.analyze_if_stale(WRITTEN_TABLES)
    checkpoints.checkpoint_after_run()
    return report


def _chunks(items, size: int):
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


# Tables a bulk run grows and its own lookups read: their plans need statistics of about their
# size (see apply_batches). The others it writes are analysed once, at the end, for whoever reads
# them next.
GROWING_TABLES = (Event, LedgerEntry)
WRITTEN_TABLES = (Event, LedgerEntry, Notice, GradeChange)
ANALYZE_CHECK_EVERY = 20  # batches
# Analysed again once they have doubled. At autovacuum's 10 % a million reports ran 52 analyses
# of the two tables, up to a second each (perf: 14-18 % of the backend's time); now 10.
GROWTH_BEFORE_ANALYZE = 1.0


def apply_batches(batches, *, now=None, progress=None, migrated: bool = False) -> IngestReport:
    """Apply batches of ``(line number, text)`` pairs one after the other; the counts of all.

    Every few batches, tables that have doubled since their last analysis are analysed, as
    PostgreSQL's documentation advises after bulk loads: a ledger analysed when nearly empty
    turned the per-batch cap-count lookup into a sequential scan of the whole ledger, so the
    rate fell as the ledger grew (autovacuum, which would otherwise do it, may be off or
    behind). The planner scales row counts by the table's current size, so statistics within
    a factor of two keep the index plans.
    """
    report = IngestReport()
    agencies = {a.code: a for a in Agency.objects.all()}
    for number, batch in enumerate(batches):
        if number % ANALYZE_CHECK_EVERY == 0:
            bulk.analyze_if_stale(GROWING_TABLES, growth=GROWTH_BEFORE_ANALYZE)
        apply_batch(batch, agencies, report, now or timezone.now(), migrated)
        if progress:
            progress(len(batch))
    return report


def apply_batch(batch, agencies, report: IngestReport, now, migrated: bool = False) -> None:
    """Apply one batch of ``(line number, text)`` pairs, adding what happened to ``report``.

    ``migrated``: the lines come from an earlier register (events may predate enrolment; marked so).
    """
    policy = current_policy()
    items = [item for item in (_parse(n, t, agencies, report) for n, t in batch) if item]
    for item in items:
        item.migrated = migrated
    items = _drop_replays(items, report)
    if not items:
        return
    valid = []
    try:
        with transaction.atomic():
            citizens = bulk.lock_in_bulk(Citizen, [i.data["resident_id"] for i in items], field_name="resident_id")
            valid = [item for item in items if _validate(item, citizens, policy, now, report)]
            report.entries += sum(len(entries) for _, entries in write_batch(valid, policy, now))
            report.applied += len(valid)
    except DatabaseError:
        # A concurrent writer got in first (e.g. the same key); fall back to the one-by-one path.
        for item in valid:
            _report_one(item, report, now)


def _parse(number, text, agencies, report) -> IngestItem | None:
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValidationFailed("Each line must be a JSON object.")
        missing = [f for f in REQUIRED_FIELDS if not data.get(f)]
        if missing:
            raise ValidationFailed("Missing fields.", field_errors={f: ["required"] for f in missing})
        agency = agencies.get(data["agency"])
        if agency is None:
            raise NotFound(f"Unknown agency '{data['agency']}'.", field_errors={"agency": ["unknown agency"]})
        occurred_at = _parse_time(data["occurred_at"])
    except json.JSONDecodeError as exc:
        report.rejected.append((number, {"code": "invalid", "message": f"Not JSON: {exc.msg}", "field_errors": {}}))
        return None
    except ApplicationError as exc:
        report.rejected.append((number, exc.as_dict()))
        return None
    attributes = data.get("attributes") or {}
    fingerprint = report_fingerprint(data["resident_id"], data["event_type"], occurred_at, attributes)
    return IngestItem(number, agency, data, occurred_at, fingerprint)


def _parse_time(value) -> datetime.datetime:
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        parsed = None
    if parsed is None or timezone.is_naive(parsed):
        raise ValidationFailed("occurred_at must be an ISO 8601 date-time with a time zone.",
                               field_errors={"occurred_at": ["ISO 8601 date-time with a time zone"]})
    return parsed


def _drop_replays(items, report) -> list:
    """Count lines whose key was applied before (or earlier in the batch); reject reused keys."""
    keys_by_agency = {}
    for item in items:
        keys_by_agency.setdefault(item.agency.pk, set()).add(item.data["idempotency_key"])
    # One statement per agency, so the (agency, key) unique index answers; with the key alone both
    # databases scanned the whole events table, and both lists at once made PostgreSQL probe every
    # agency for every key (18 against 5 ms a batch).
    seen = {}
    for agency_id, keys in keys_by_agency.items():
        rows = Event.objects.filter(agency_id=agency_id, idempotency_key__any=keys).order_by()
        seen.update(((agency_id, key), fp) for key, fp in rows.values_list("idempotency_key", "fingerprint"))
    fresh = []
    for item in items:
        key = (item.agency.pk, item.data["idempotency_key"])
        if key not in seen:
            seen[key] = item.fingerprint
            fresh.append(item)
        elif seen[key] == item.fingerprint:
            report.duplicates += 1
        else:
            error = IdempotencyConflict(f"Idempotency key '{key[1]}' was already used for a different report.")
            report.rejected.append((item.line, error.as_dict()))
    return fresh


def _validate(item: IngestItem, citizens, policy, now, report) -> bool:
    try:
        item.citizen = citizens.get(item.data["resident_id"])
        if item.citizen is None:
            raise NotFound(f"No citizen with resident ID {item.data['resident_id']}.",
                           field_errors={"resident_id": ["unknown citizen"]})
        item.cleaned = validate_report(
            agency=item.agency, citizen=item.citizen, event_type=item.data["event_type"],
            occurred_at=item.occurred_at, attributes=item.data.get("attributes") or {}, policy=policy, now=now,
            migrated=item.migrated,
        )
    except ApplicationError as exc:
        report.rejected.append((item.line, exc.as_dict()))
        return False
    return True


def write_batch(items, policy, now) -> list:
    """Insert the batch's events and entries and update standings; ``(event, entries)`` per item.

    The items' citizens are the locked rows, one instance per person, so
    their scores move in memory from event to event in file order.
    """
    if not items:
        return []
    ledger.record_policy_version(policy)
    events = bulk.insert_all(Event, [
        bulk.build(Event, citizen=i.citizen, event_type=i.data["event_type"], occurred_at=i.occurred_at,
                   reported_at=now, agency=i.agency, attributes=jsonable_attributes(i.cleaned),
                   idempotency_key=i.data["idempotency_key"], fingerprint=i.fingerprint,
                   policy_version=policy.version, migrated=i.migrated)
        for i in items
    ])
    people = list({i.citizen.pk: i.citizen for i in items}.values())
    memo = ledger.cap_memo(policy)
    caps = memo.load(people, policy)
    changes, entries, written, tz = [], [], [], timezone.get_current_timezone()
    for item, event in zip(items, events, strict=True):
        planned = ledger.plan_rule_entries(citizen=item.citizen, event=event, attributes=item.cleaned,
                                           policy=policy, at=now, caps=caps, tz=tz)
        changes.append((item.citizen, planned))
        written.append((event, planned))
        entries.extend(planned)
    memo.remember(people, caps)
    bulk.insert_all(LedgerEntry, entries)
    ledger.save_standings(changes=changes, policy=policy, at=now)
    return written


def _report_one(item: IngestItem, report: IngestReport, now) -> None:
    try:
        result = event_report(
            agency=item.agency, resident_id=item.data["resident_id"], event_type=item.data["event_type"],
            occurred_at=item.occurred_at, attributes=item.data.get("attributes") or {},
            idempotency_key=item.data["idempotency_key"], now=now, migrated=item.migrated,
        )
    except ApplicationError as exc:
        report.rejected.append((item.line, exc.as_dict()))
        return
    if result.created:
        report.applied += 1
        report.entries += len(result.entries)
    else:
        report.duplicates += 1
