"""manage.py appeals overdue: list open appeals past their decision deadline."""
import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from appeals.selectors import appeals_overdue


class Command(BaseCommand):
    help = "Appeals. 'overdue': open appeals past their decision deadline (policy appeal_deadline_days)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        overdue = sub.add_parser("overdue", help="List open appeals whose decision is overdue.")
        overdue.add_argument("--date", type=datetime.date.fromisoformat, help="Today (YYYY-MM-DD); default: today.")

    def handle(self, *args, action, **options):
        today = options.get("date") or timezone.localdate()
        appeals = list(appeals_overdue(today=today))
        for appeal in appeals:
            self.stdout.write(
                f"#{appeal.pk}\t{appeal.citizen.resident_id}\tevent #{appeal.event_id} ({appeal.event.event_type})"
                f"\t{appeal.get_state_display()}\tfiled {timezone.localdate(appeal.filed_at)} by {appeal.filed_by}"
                f"\tdue {appeal.deadline}\t{(today - appeal.deadline).days} days overdue"
            )
        self.stdout.write(f"{len(appeals)} overdue appeal(s) on {today}.")
