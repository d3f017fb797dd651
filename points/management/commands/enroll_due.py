"""manage.py enroll_due — enrol everyone who has turned 14 since the last run (idempotent)."""
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from tqdm import tqdm

from citizens.models import Citizen
from points.services import citizens_enroll_due


class Command(BaseCommand):
    help = "Enrol every active citizen aged 14 or over who is not yet enrolled. Safe to run daily."

    def handle(self, *args, **options):
        pending = Citizen.objects.filter(enrolled_at__isnull=True).count()
        with tqdm(total=pending, unit="citizen", desc="enrol", disable=options["verbosity"] == 0) as bar:
            enrolled = citizens_enroll_due(progress=bar.update)
        self.stdout.write(_("%(count)d enrolled.") % {"count": enrolled})
