"""Create or update the Officials, Auditors and Policy authors groups (idempotent)."""
from django.core.management.base import BaseCommand

from officials.services import roles_setup


class Command(BaseCommand):
    help = "Create the Officials, Auditors and Policy authors groups with exactly their permissions."

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        for group, permissions in roles_setup().items():
            if verbosity:
                self.stdout.write(f"{group}: {len(permissions)} permissions")
            if verbosity > 1:
                for codename in permissions:
                    self.stdout.write(f"  {codename}")
