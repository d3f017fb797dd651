"""manage.py deliver_notices: send notices still pending or failed through the configured backend."""
from django.core.management.base import BaseCommand

from notices.backends import backend_path
from notices.services import notices_deliver


class Command(BaseCommand):
    help = "Deliver pending and failed notices through settings.NOTICES_BACKEND (retries failures)."

    def handle(self, *args, **options):
        counts = notices_deliver()
        self.stdout.write(f"{backend_path()}: {counts['delivered']} delivered, {counts['failed']} failed.")
