"""The access log: who read which citizen's record, when, and through which channel."""
from django.db import models

from citizens.models import Citizen


class AccessLog(models.Model):
    """One read of a citizen's personal record. Written once, never changed."""

    class ActorKind(models.TextChoices):
        AGENCY = "agency", "agency"
        USER = "user", "user"

    class Channel(models.TextChoices):
        API = "api", "API"
        ADMIN = "admin", "admin"

    actor = models.CharField(max_length=150, help_text="Agency code or username.")
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="access_log")
    action = models.CharField(max_length=50, help_text="What was read, e.g. ledger.read.")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    path = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["citizen", "-at"]),
            models.Index(fields=["actor", "-at"]),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.citizen_id}"
