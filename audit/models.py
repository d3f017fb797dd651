"""The access log: who read which citizen's record, when, why, from where and through which channel."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from citizens.models import Citizen


class AccessLog(models.Model):
    """One read of a citizen's personal record. Written once, never changed."""

    class ActorKind(models.TextChoices):
        AGENCY = "agency", _("agency")
        USER = "user", _("official")
        CITIZEN = "citizen", _("the citizen")

    class Channel(models.TextChoices):
        API = "api", _("API")
        ADMIN = "admin", _("admin")
        PORTAL = "portal", _("citizen's portal")

    actor = models.CharField(_("actor"), max_length=150, help_text=_("Agency code or username."))
    actor_kind = models.CharField(_("actor kind"), max_length=10, choices=ActorKind.choices)
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="access_log", verbose_name=_("citizen"))
    action = models.CharField(_("action"), max_length=50, help_text=_("What was read, e.g. ledger.read."))
    purpose = models.CharField(
        _("purpose"),
        max_length=200, blank=True,
        help_text=_("Why: the service an eligibility question was about, or the action (e.g. statement)."),
    )
    source_address = models.GenericIPAddressField(
        _("source address"),
        null=True, blank=True, help_text=_("The caller's network address (see docs/due-process.md)."),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    path = models.CharField(_("path"), max_length=500, blank=True)
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["citizen", "-at"]),
            models.Index(fields=["actor", "-at"]),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.citizen_id}"
