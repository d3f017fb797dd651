"""manage.py deliver_notices: deliver every due notice in this process, without a worker."""
from django.core.management.base import BaseCommand

from notices.selectors import notices_due_ids
from notices.services import notices_deliver, notices_sweep


class Command(BaseCommand):
    help = ("Deliver due email and SMS notices here and now (the queue's worker does this normally); "
            "notices of a worker that died are freed first.")

    def handle(self, *args, **options):
        notices_sweep()
        counts = notices_deliver(ids=notices_due_ids())
        self.stdout.write(f"{counts['delivered']} delivered, {counts['retry']} to retry, {counts['dead']} dead, "
                          f"{counts['skipped']} skipped.")
