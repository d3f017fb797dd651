"""manage.py expire_points: restore points whose rule says they stop counting (run daily; idempotent)."""
import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone
from tqdm import tqdm

from points.expiry import entries_due, points_expire


class Command(BaseCommand):
    help = "Write an 'expired' reversal for every ledger entry whose expires_on day has come, and regrade."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=datetime.date.fromisoformat,
                            help="Expire entries due on or before this day (YYYY-MM-DD); default: today.")
        parser.add_argument("--batch-size", type=int, default=500, help="Citizens per transaction.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, date, batch_size, no_progress, **options):
        today = date or timezone.localdate()
        total = entries_due(today=today).values("citizen_id").distinct().count()
        with tqdm(total=total, unit="citizen", disable=no_progress, file=self.stderr) as bar:
            report = points_expire(today=today, batch_size=batch_size, progress=bar.update)
        self.stdout.write(self.style.SUCCESS(
            f"Expired {report.entries} entries for {report.citizens} citizens on {today}; "
            f"{report.points_restored:+d} points restored in total."
        ))
