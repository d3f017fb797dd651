"""Sign-in for citizens: one-time codes (kept only as a keyed hash) and the record of every try."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from citizens.models import Citizen


class SignInCode(models.Model):
    """One code a citizen may sign in with once, before ``expires_at`` and within its tries.

    Only an HMAC of the code (under the site's secret and the row's salt) is stored, so a copy of the
    database does not sign anybody in. ``used_at`` is set by a conditional update: two requests with
    the same code cannot both win.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("email")
        SMS = "sms", _("text message (SMS)")
        LETTER = "letter", _("activation letter (printed)")

    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="sign_in_codes",
                                verbose_name=_("citizen"))
    channel = models.CharField(_("channel"), max_length=6, choices=Channel.choices)
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    failed_tries = models.PositiveSmallIntegerField(_("failed tries"), default=0)
    issued_by = models.CharField(_("issued by"), max_length=150, blank=True,
                                 help_text=_("The official who printed an activation letter."))

    class Meta:
        verbose_name = _("sign-in code")
        verbose_name_plural = _("sign-in codes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["citizen", "-created_at"], name="signin_code_citizen")]

    def __str__(self):
        return f"{self.get_channel_display()} code of {self.citizen_id} ({self.created_at:%Y-%m-%d %H:%M})"


class SignInAttempt(models.Model):
    """One try to sign in with a code: who (if the resident ID is registered), from where, and whether
    it worked. Recent failures lock the resident ID and the address (``portal.signin``)."""

    citizen = models.ForeignKey(Citizen, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField()
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["citizen", "-at"], name="signin_attempt_citizen"),
                   models.Index(fields=["source_address", "-at"], name="signin_attempt_address")]

    def __str__(self):
        return f"{'ok' if self.succeeded else 'failed'} {self.citizen_id} at {self.at:%Y-%m-%d %H:%M}"
