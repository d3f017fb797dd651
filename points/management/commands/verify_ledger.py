"""manage.py verify_ledger: recompute every hash chain and balance; exit 1 on any break."""
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from citizens.models import Citizen
from points.integrity import ledger_verify


class Command(BaseCommand):
    help = "Recompute every citizen's ledger hash chain, balances and score; report each break (exit 1 if any)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000, help="Citizens checked per query.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, batch_size, no_progress, **options):
        with tqdm(total=Citizen.objects.count(), unit="citizen", disable=no_progress, file=self.stderr) as bar:
            report = ledger_verify(batch_size=batch_size, progress=bar.update)
        for chain_break in report.breaks:
            self.stdout.write(f"BROKEN {chain_break}")
        summary = f"Checked {report.citizens} citizens and {report.entries} ledger entries"
        if report.breaks:
            raise CommandError(f"{summary}: {len(report.breaks)} breaks.")
        self.stdout.write(self.style.SUCCESS(f"{summary}: every chain is intact."))
