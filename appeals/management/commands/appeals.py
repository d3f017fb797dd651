"""manage.py appeals overdue | deadlines: list overdue appeals; act on missed deadlines (daily, idempotent)."""
import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from appeals.selectors import appeals_overdue
from appeals.services import appeals_deadlines


class Command(BaseCommand):
    help = ("Appeals. 'overdue': open appeals past their decision deadline (policy appeal_deadline_days). "
            "'deadlines': suspend the points of appeals whose source answer or decision is overdue and escalate "
            "them to the supervisors' queue (safe to run any number of times).")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        overdue = sub.add_parser("overdue", help="List open appeals whose decision is overdue.")
        overdue.add_argument("--date", type=datetime.date.fromisoformat, help="Today (YYYY-MM-DD); default: today.")
        deadlines = sub.add_parser("deadlines", help="Escalate appeals past a deadline; suspend their points.")
        deadlines.add_argument("--now", type=datetime.datetime.fromisoformat,
                               help="The moment to act as of (ISO 8601 with a time zone); default: now.")

    def handle(self, *args, action, **options):
        if action == "deadlines":
            return self._deadlines(options.get("now"))
        today = options.get("date") or timezone.localdate()
        appeals = list(appeals_overdue(today=today))
        for appeal in appeals:
            self.stdout.write(
                f"#{appeal.pk}\t{appeal.citizen.resident_id}\tevent #{appeal.event_id} ({appeal.event.event_type})"
                f"\t{appeal.get_state_display()}\tfiled {timezone.localdate(appeal.filed_at)} by {appeal.filed_by}"
                f"\tdue {appeal.deadline}\t{(today - appeal.deadline).days} days overdue"
            )
        self.stdout.write(f"{len(appeals)} overdue appeal(s) on {today}.")

    def _deadlines(self, now):
        escalated = appeals_deadlines(now=now)
        for appeal in escalated:
            self.stdout.write(f"#{appeal.pk}\tevent #{appeal.event_id}\tescalated, points suspended")
        self.stdout.write(f"{len(escalated)} appeal(s) escalated.")
