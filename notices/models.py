"""Notices: what a citizen is told each time their score or grade changes."""
from django.db import models

from citizens.models import Citizen
from points.models import Event


class Notice(models.Model):
    """One letter to a citizen about one event's effect on their points, stored whatever the channel."""

    class Kind(models.TextChoices):
        ENROLMENT = "enrolment", "enrolment"
        POINTS = "points", "rule applied"
        REVERSAL = "reversal", "reversal (retraction, void, appeal upheld)"
        EXPIRY = "expiry", "points expired"

    class Delivery(models.TextChoices):
        STORED = "stored", "stored only"
        PENDING = "pending", "waiting for delivery"
        DELIVERED = "delivered", "delivered"
        FAILED = "failed", "delivery failed"

    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="notices", db_index=False)
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(db_index=True)
    score_before = models.IntegerField(null=True, blank=True)
    score_after = models.IntegerField()
    grade_before = models.CharField(max_length=1, blank=True)
    grade_after = models.CharField(max_length=1)
    rule_ids = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    appeal_deadline_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Days the office has to decide an appeal (none: nothing to appeal)."
    )
    channel = models.CharField(max_length=200, help_text="The delivery backend chosen when the notice was made.")
    delivery_status = models.CharField(max_length=10, choices=Delivery.choices)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [  # (citizen, ...) covers the citizen's foreign key; no LIKE twin for the status
            models.Index(fields=["citizen", "-created_at"]),
            # Only notices still to send are looked up by status (``notices_deliver``).
            models.Index(fields=["delivery_status"], name="notice_delivery_waiting",
                         condition=models.Q(delivery_status__in=["pending", "failed"])),
        ]

    def __str__(self):
        return f"{self.subject} ({self.citizen_id})"

    @property
    def grade_changed(self) -> bool:
        return bool(self.grade_before) and self.grade_before != self.grade_after
