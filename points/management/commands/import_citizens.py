"""manage.py import_citizens FILE.csv — add people to the register, then enrol those due."""
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from citizens.services import citizens_import_csv
from points.services import citizens_enroll_due


def count_lines(path) -> int:
    with open(path, "rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)


class Command(BaseCommand):
    help = ("Import citizens from CSV (resident_id,name,birth_date,sex,district[,status][,mobile,email,"
            "postal_address,preferred_channel,consent,consent_at]); bad rows are reported as FILE:LINE: reason.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--no-enrol", action="store_true", help="Register only; do not enrol those aged 14+.")

    def handle(self, *args, file, no_enrol, **options):
        try:
            total = count_lines(file)
        except OSError as exc:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": file, "error": exc.strerror}) from None
        with tqdm(total=total, unit="row", desc="import", disable=options["verbosity"] == 0) as bar:
            report = citizens_import_csv(path=file, progress=bar.update)
        for line, reason in report.errors:
            self.stderr.write(f"{file}:{line}: {reason}")
        enrolled = 0 if no_enrol else citizens_enroll_due()
        self.stdout.write(
            _("%(created)d created, %(unchanged)d unchanged, %(rejected)d rejected, %(enrolled)d enrolled. "
              "%(updated)d with new contacts.")
            % {"created": report.created, "unchanged": report.unchanged, "rejected": len(report.errors),
               "enrolled": enrolled, "updated": report.updated}
        )
