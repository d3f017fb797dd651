"""Create an agency and print its API token once."""
from django.core.management.base import BaseCommand, CommandError

from core.exceptions import ApplicationError
from points.agencies import agency_create
from points.models import Agency


class Command(BaseCommand):
    help = "Create an agency and print its new API token (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("code", help="Short code, e.g. police")
        parser.add_argument("--name", required=True)
        parser.add_argument("--kind", default=Agency.Kind.REPORTING,
                            choices=[Agency.Kind.REPORTING, Agency.Kind.SERVICE])
        parser.add_argument("--event-types", default="", help="Comma-separated event types it may report")
        parser.add_argument("--services", default="",
                            help="Comma-separated services (services.yaml) a service agency provides; "
                                 "it may ask eligibility only for these")

    def handle(self, *args, code, name, kind, event_types, services, **options):
        types = [t.strip() for t in event_types.split(",") if t.strip()]
        codes = [s.strip() for s in services.split(",") if s.strip()]
        try:
            agency, token = agency_create(code=code, name=name, kind=kind, event_types=types, services=codes)
        except ApplicationError as exc:
            raise CommandError(_describe(exc)) from None
        self.stderr.write(f"Created {agency}. Its API token (store it now; it is not shown again):")
        self.stdout.write(token)


def _describe(exc: ApplicationError) -> str:
    details = "; ".join(f"{field}: {', '.join(msgs)}" for field, msgs in exc.field_errors.items())
    return f"{exc.message} {details}".strip()
