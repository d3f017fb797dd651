"""manage.py generate_citizens N FILE.csv — invented Suining residents for demos and benchmarks."""
import csv

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from citizens.services import CSV_COLUMNS
from citizens.synthetic import people


class Command(BaseCommand):
    help = "Write N synthetic (invented, never real) residents with valid resident IDs to a CSV file."

    def add_arguments(self, parser):
        parser.add_argument("count", type=int)
        parser.add_argument("file")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, count, file, seed, **options):
        with open(file, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
            writer.writeheader()
            for person in people(count, seed=seed):
                writer.writerow(person)
        self.stdout.write(_("%(count)d residents written to %(file)s.") % {"count": count, "file": file})
