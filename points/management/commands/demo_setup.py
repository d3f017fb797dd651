"""manage.py demo_setup — demo data and an admin login for `make run` (idempotent)."""
from django.core.management.base import BaseCommand

from citizens.models import Citizen
from points.demo import demo_setup
from points.models import Event


class Command(BaseCommand):
    help = "Load invented demo citizens, agencies and reports (once) and print an admin login."

    def add_arguments(self, parser):
        parser.add_argument("--citizens", type=int, default=500)
        parser.add_argument("--events", type=int, default=3000)
        parser.add_argument("--host", default="127.0.0.1:8000", help="Where the server will listen, for the URLs.")

    def handle(self, *args, citizens, events, host, **options):
        result = demo_setup(citizens=citizens, events=events)
        ingest = result["ingest"]
        self.stdout.write(
            f"Demo data: {Citizen.objects.count()} citizens ({Citizen.objects.filter(score__isnull=False).count()} "
            f"enrolled), {Event.objects.count()} events; this run applied {ingest.applied}, "
            f"{ingest.duplicates} were already there, {len(ingest.rejected)} rejected."
        )
        self.stdout.write(self.style.SUCCESS(
            f"\n  Admin:    http://{host}/admin/\n  Login:    admin\n  Password: {result['password']}\n"
            f"  API docs: http://{host}/api/docs/ (tokens: manage.py rotate_token police)\n"
        ))
