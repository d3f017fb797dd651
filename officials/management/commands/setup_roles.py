"""Create or update the Officials, Auditors and Policy authors groups (idempotent)."""
from django.core.management.base import BaseCommand

from officials.services import roles_setup


class Command(BaseCommand):
    help = "Create the Officials, Auditors and Policy authors groups with exactly their permissions."

    def handle(self, *args, **options):
        for group, permissions in roles_setup().items():
            self.stdout.write(f"{group}: {len(permissions)} permissions")
            for codename in permissions:
                self.stdout.write(f"  {codename}", self.style.HTTP_INFO)
