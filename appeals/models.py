"""Appeals against events, and the history of every step an appeal took."""
from django.db import models
from django.db.models import F, Q

from citizens.models import Citizen
from points.models import Event


class Appeal(models.Model):
    """A citizen contests an event on their record; an official decides it with written reasons.

    States: filed → under_review → upheld (the event is voided and its points restored) or
    rejected. Only ``appeals.services`` changes an appeal; each change adds an ``AppealTransition``.
    """

    class State(models.TextChoices):
        FILED = "filed", "filed"
        UNDER_REVIEW = "under_review", "under review"
        UPHELD = "upheld", "upheld"
        REJECTED = "rejected", "rejected"

    class Channel(models.TextChoices):
        ADMIN = "admin", "filed by an official (admin)"
        API = "api", "filed through the API"

    OPEN_STATES = (State.FILED, State.UNDER_REVIEW)

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="appeals")
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="appeals")
    filed_by = models.CharField(max_length=150, help_text="Username of the official or code of the office.")
    filed_at = models.DateTimeField(db_index=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    grounds = models.TextField(help_text="Why the citizen says the record is wrong.")
    state = models.CharField(max_length=12, choices=State.choices, default=State.FILED, db_index=True)
    deadline = models.DateField(db_index=True, help_text="The decision is due by this day (policy).")
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reasons = models.TextField(blank=True)
    policy_version = models.CharField(max_length=64, help_text="The policy whose deadline applied.")

    class Meta:
        ordering = ["-filed_at", "-id"]
        permissions = [
            ("decide_appeal", "Can review and decide appeals"),
            ("correct_event", "Can correct an event (void it and report it again)"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event"], condition=Q(state__in=["filed", "under_review"]), name="appeal_one_open_per_event"
            ),
            models.CheckConstraint(
                name="appeal_decision_complete",
                condition=Q(state__in=["filed", "under_review"], decided_at__isnull=True)
                | (Q(state__in=["upheld", "rejected"], decided_at__isnull=False) & ~Q(decision_reasons="")),
            ),
            # Separation of duties (officials.duties): whoever files an appeal does not decide it.
            models.CheckConstraint(name="appeal_decider_is_not_filer", condition=~Q(decided_by=F("filed_by"))),
        ]
        indexes = [models.Index(fields=["citizen", "state"]), models.Index(fields=["state", "deadline"])]

    def __str__(self):
        return f"Appeal #{self.pk} against event #{self.event_id} ({self.get_state_display()})"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    def is_overdue(self, today) -> bool:
        return self.is_open and self.deadline < today


class AppealTransition(models.Model):
    """One step of an appeal: who moved it from which state to which, when, and why."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="transitions")
    from_state = models.CharField(max_length=12, blank=True, help_text="Empty for the filing itself.")
    to_state = models.CharField(max_length=12, choices=Appeal.State.choices)
    by = models.CharField(max_length=150)
    at = models.DateTimeField()
    reasons = models.TextField(blank=True)

    class Meta:
        ordering = ["appeal", "at", "id"]

    def __str__(self):
        return f"{self.from_state or 'new'} → {self.to_state} by {self.by}"
