"""What the ingest command switches on for its run, and switches off after: the only process-wide
settings ``points.db`` changes.

* the cycle collector's bulk settings (``points.db.collector``);
* psycopg's compiled timestamp loader on the run's connections (``points.db.loaders``);
* fresh table statistics. The tables a run grows are also the ones its own lookups read: analysed
  when nearly empty, the planner turns the per-batch cap-count lookup into a scan of the whole ledger
  and the rate falls as the ledger grows (autovacuum may be off or behind). The planner scales row
  counts by a table's current size, so statistics within a factor of two keep the index plans: every
  ``ANALYZE_CHECK_EVERY`` batches a grown table that has doubled is analysed; at the end every table
  the run wrote is analysed if it changed by a tenth, for whoever reads it next.
"""
from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.db import connection

from points.db import loaders
from points.db.bulk import analyze_if_stale
from points.db.collector import quiet_collector
from points.models import Event, GradeChange, LedgerEntry

GROWING_TABLES = (Event, LedgerEntry)
WRITTEN_TABLES = (Event, LedgerEntry, GradeChange)
ANALYZE_CHECK_EVERY = 20  # batches
GROWTH_BEFORE_ANALYZE = 1.0


def refresh_statistics(batch_number: int) -> None:
    """``events_ingest``'s ``before_batch``: analyse a grown table that has doubled, every few batches."""
    if batch_number % ANALYZE_CHECK_EVERY == 0:
        analyze_if_stale(GROWING_TABLES, growth=GROWTH_BEFORE_ANALYZE)


def written_tables() -> tuple:
    """The tables a run writes: points' own, and those other apps' receivers write during one, named
    in ``POINTS_BULK_ALSO_WRITES`` (``app_label.Model``) because points may not import those apps."""
    return WRITTEN_TABLES + tuple(apps.get_model(label) for label in settings.POINTS_BULK_ALSO_WRITES)


@contextmanager
def bulk_run():
    """The settings above for the body; yields ``refresh_statistics`` for ``events_ingest``.

    The connection with the fast loader is closed after the run when no transaction holds it, so the
    next query gets a connection exactly as Django sets one up.
    """
    loaders.connect()
    try:
        with quiet_collector():
            yield refresh_statistics
        analyze_if_stale(written_tables())
    finally:
        loaders.disconnect()
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            connection.close()
