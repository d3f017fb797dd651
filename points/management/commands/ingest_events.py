"""manage.py ingest_events FILE.jsonl — the bulk path for reports, idempotent on re-run."""
import json

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from points.db.tuning import bulk_run
from points.ingest import events_ingest
from points.management.commands.import_citizens import count_lines
from points.parallel import ParallelIngestError


def ingest_tuned(**kwargs):
    """``events_ingest`` with the bulk run's process settings (``points.db.tuning``), for this command and
    ``bench/ingest.py``: collector, loaders and table statistics, restored after."""
    with bulk_run() as refresh_statistics:
        return events_ingest(before_batch=refresh_statistics, **kwargs)


class Command(BaseCommand):
    help = (
        "Apply reports from a JSON-lines file, one object per line with agency, resident_id, event_type, "
        "occurred_at, attributes, idempotency_key. Rejected lines go to the reject file with their reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--rejects", help="Where to write rejected lines (default: FILE.rejects.jsonl).")
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--workers", type=int, default=1,
            help="Processes to spread the work over (PostgreSQL only; each person's reports stay in one, in order).",
        )
        parser.add_argument(
            "--migrated", action="store_true",
            help="The file is an earlier register's list: its events may predate enrolment and are marked migrated "
                 "(scored by the rules in force on the day each occurred; docs/due-process.md).",
        )

    def handle(self, *args, file, rejects, batch_size, workers, **options):
        rejects = rejects or f"{file}.rejects.jsonl"
        if workers < 1 or batch_size < 1:
            raise CommandError("--workers and --batch-size must be at least 1.")
        if workers > 1 and connection.vendor != "postgresql":
            raise CommandError("--workers above 1 needs PostgreSQL: SQLite has a single writer.")
        if workers > 1 and options["migrated"]:
            raise CommandError("--migrated runs in one process (--workers 1).")
        try:
            total = count_lines(file) + 1
            handle = open(file, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from None
        with handle, tqdm(total=total, unit="event", desc="ingest", disable=options["verbosity"] == 0) as bar:
            lines = ((number, text) for number, text in enumerate(handle, start=1) if text.strip())
            try:
                report = ingest_tuned(lines=lines, batch_size=batch_size, progress=bar.update, workers=workers,
                                       migrated=options["migrated"])
            except ParallelIngestError as exc:
                raise CommandError(f"{exc}\nBatches applied before the failure stay; run the file again.") from None
        with open(rejects, "w", encoding="utf-8") as out:
            for line, error in report.rejected:
                out.write(json.dumps({"line": line, **error}, ensure_ascii=False) + "\n")
        self.stdout.write(
            f"{report.applied} applied, {report.duplicates} already applied, {len(report.rejected)} rejected "
            f"(see {rejects}), {report.entries} ledger entries."
        )
