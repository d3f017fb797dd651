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
        self._citizen_login(host)

    def _citizen_login(self, host):
        """A demo resident ID to sign in to the portal with, and where its one-time code will appear."""
        from portal.signin import code_channel

        demo = Citizen.objects.filter(score__isnull=False).exclude(email="").order_by("pk").first()
        if demo is None:
            return
        where = {"email": "emailed: see the newest file in mail/",
                 "sms": "sent by SMS: printed in this console"}[code_channel(demo)]
        self.stdout.write(self.style.SUCCESS(
            f"  Citizen:  http://{host}/  resident ID {demo.resident_id} (the one-time code is {where})\n"))
