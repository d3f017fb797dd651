"""manage.py ledger_checkpoint: sign a checkpoint of the whole ledger and append it to the store
outside the database (run it from the scheduler, e.g. hourly, and after bulk runs)."""
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from points import keys
from points.checkpoints import CheckpointRefused, checkpoint_write


class Command(BaseCommand):
    help = _("Sign a checkpoint of the whole ledger and append it to LEDGER_CHECKPOINT_DIR.")

    def add_arguments(self, parser):
        parser.add_argument("--checkpoint-dir", default=None, help=_("The store (default: LEDGER_CHECKPOINT_DIR)."))
        parser.add_argument("--public-key", action="store_true",
                            help=_("Print the public key that verifies the checkpoints (to publish) and stop."))

    def handle(self, *args, checkpoint_dir, public_key, **options):
        if public_key:
            self.stdout.write(keys.public_key_pem(), ending="")
            return
        try:
            payload = checkpoint_write(directory=checkpoint_dir)
        except CheckpointRefused as refused:
            raise CommandError(_("Checkpoint refused: %(why)s") % {"why": refused}) from refused
        self.stdout.write(self.style.SUCCESS(_(
            "Checkpoint %(seq)s: %(citizens)s citizens, %(entries)s entries up to id %(max)s, root %(root)s."
        ) % {"seq": payload["seq"], "citizens": payload["citizens"], "entries": payload["entries"],
             "max": payload["max_entry_id"], "root": payload["root"]}))
