"""manage.py verify_ledger: recompute every keyed hash chain and balance, compare the ledger with every
signed checkpoint; exit 1 on any break."""
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from points.integrity import ledger_verify
from points.models import LedgerEntry


class Command(BaseCommand):
    help = _("Recompute every citizen's keyed ledger chain, balances and score and compare them with every signed "
             "checkpoint; report each break (exit 1 if any).")

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=10_000, help=_("Entries fetched at a time."))
        parser.add_argument("--no-progress", action="store_true", help=_("No progress bar."))
        parser.add_argument("--checkpoint-dir", default=None,
                            help=_("The checkpoint store (default: LEDGER_CHECKPOINT_DIR)."))

    def handle(self, *args, chunk_size, no_progress, checkpoint_dir, **options):
        with tqdm(total=LedgerEntry.objects.count(), unit="entry", disable=no_progress, file=self.stderr) as bar:
            report = ledger_verify(chunk_size=chunk_size, progress=bar.update, checkpoint_dir=checkpoint_dir)
        for chain_break in report.breaks:
            self.stdout.write(f"BROKEN {chain_break}")
        summary = _("Checked %(citizens)s citizens and %(entries)s ledger entries against %(checkpoints)s "
                    "checkpoints") % {"citizens": report.citizens, "entries": report.entries,
                                      "checkpoints": report.checkpoints}
        if report.breaks:
            raise CommandError(_("%(summary)s: %(count)s breaks.") % {"summary": summary, "count": len(report.breaks)})
        if not report.checkpoints and report.entries:
            self.stdout.write(self.style.WARNING(_(
                "No signed checkpoint yet: a wipe or a rolled-back chain could not be seen "
                "(manage.py ledger_checkpoint).")))
        self.stdout.write(self.style.SUCCESS(_("%(summary)s: every chain is intact.") % {"summary": summary}))
