"""Replace an agency's API token and print the new one once."""
from django.core.management.base import BaseCommand, CommandError

from core.exceptions import ApplicationError
from points.agencies import agency_rotate_token
from points.management.commands.create_agency import _describe
from points.models import Agency


class Command(BaseCommand):
    help = "Replace an agency's API token; the old token stops working at once."

    def add_arguments(self, parser):
        parser.add_argument("code")

    def handle(self, *args, code, **options):
        agency = Agency.objects.filter(code=code).first()
        if agency is None:
            raise CommandError(f"No agency with code '{code}'.")
        try:
            token = agency_rotate_token(agency=agency)
        except ApplicationError as exc:
            raise CommandError(_describe(exc)) from None
        self.stderr.write(f"New API token for {agency} (the old one no longer works; store this now):")
        self.stdout.write(token)
