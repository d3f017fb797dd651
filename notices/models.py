"""Notices: what a person, an agency or a supervisor is told about a record, and the outbox that delivers it.

A notice is written in the transaction of the change it reports, so the change never commits
without it. The row is itself the outbox: its ``delivery_status`` says whether it still has to go
out, and the task queue (``notices.tasks``) only carries ids; a lost message is found again by the
sweep (``notices.services.notices_sweep``). Each try to send it is a ``DeliveryAttempt``.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from citizens.models import Citizen
from points.models import Agency, Event


class Notice(models.Model):
    """One letter about one change or step of a record, stored whatever the channel.

    Addressed to exactly one of: a citizen (about their record), an agency (appeals against its
    reports: its inbox, and email to its ``AgencyContact``), or an official (a supervisor told of
    an escalated appeal).
    """

    class Kind(models.TextChoices):
        ENROLMENT = "enrolment", _("enrolment")
        POINTS = "points", _("rule applied")
        REVERSAL = "reversal", _("reversal (retraction, correction, void, appeal upheld)")
        EXPIRY = "expiry", _("points stopped counting")
        EXPIRY_SOON = "expiry_soon", _("points stop counting soon")
        APPEAL_FILED = "appeal_filed", _("appeal filed")
        APPEAL_DECIDED = "appeal_decided", _("appeal decided")
        APPEAL_OVERDUE = "appeal_overdue", _("appeal decision overdue")
        APPEAL_ESCALATED = "appeal_escalated", _("appeal escalated: a deadline passed, deduction suspended")
        SERVICE = "service", _("service refused or under review because of the grade")

    class Channel(models.TextChoices):
        EMAIL = "email", _("email")
        SMS = "sms", _("text message (SMS)")
        LETTER = "letter", _("letter by post")
        INBOX = "inbox", _("agency inbox")

    class Delivery(models.TextChoices):
        STORED = "stored", _("stored only (inbox)")
        PENDING = "pending", _("waiting for delivery")
        SENDING = "sending", _("being sent")
        DELIVERED = "delivered", _("delivered")
        DEAD = "dead", _("dead letter: not delivered")
        UNDELIVERABLE = "undeliverable", _("undeliverable: no contact")

    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="notices", db_index=False,
                                null=True, blank=True, verbose_name=_("citizen"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="notices", null=True, blank=True,
                               help_text=_("Set when the notice is addressed to an agency (its inbox)."),
                               verbose_name=_("agency"))
    official = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notices",
                                 null=True, blank=True, verbose_name=_("official"),
                                 help_text=_("Set when the notice is addressed to an official (a supervisor)."))
    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, related_name="notices", null=True, blank=True, verbose_name=_("event"),
    )
    appeal = models.ForeignKey("appeals.Appeal", on_delete=models.PROTECT, related_name="notices", null=True,
                               blank=True, verbose_name=_("appeal"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    score_before = models.IntegerField(_("score before"), null=True, blank=True)
    score_after = models.IntegerField(_("score after"), null=True, blank=True)
    grade_before = models.CharField(_("grade before"), max_length=1, blank=True)
    grade_after = models.CharField(_("grade after"), max_length=1, blank=True)
    rule_ids = models.JSONField(_("rule ids"), default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    appeal_deadline_days = models.PositiveIntegerField(
        _("appeal deadline days"),
        null=True, blank=True, help_text=_("Days the office has to decide an appeal (none: nothing to appeal).")
    )
    dedup_key = models.CharField(
        _("dedup key"),
        max_length=120, null=True, blank=True, unique=True,
        help_text=_("Set for notices a scheduled job or a lookup makes: the same fact is told once."))
    channel = models.CharField(_("channel"), max_length=6, choices=Channel.choices, blank=True,
                               help_text=_("Chosen from the person's contacts when the notice was made."))
    delivery_status = models.CharField(_("delivery status"), max_length=13, choices=Delivery.choices)
    next_attempt_at = models.DateTimeField(
        _("next attempt at"), null=True, blank=True, help_text=_("When it is due to be sent (again)."),
    )
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True,
                                       help_text=_("While being sent: the worker owns it until then."))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0, help_text=_("Tries so far, all channels."))
    attempts_at_resend = models.PositiveSmallIntegerField(
        _("attempts at resend"),
        default=0, help_text=_("Tries made before the last resend: the retry budget counts from there."))
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        indexes = [  # (citizen, ...) covers the citizen's foreign key; no LIKE twin for the status
            models.Index(fields=["citizen", "-created_at"]),
            # Only notices still to send are looked up by status (the sweep, the letter batch).
            models.Index(fields=["delivery_status", "next_attempt_at"], name="notice_delivery_waiting",
                         condition=Q(delivery_status__in=["pending", "sending"])),
        ]
        constraints = [
            models.CheckConstraint(name="notice_one_addressee",
                                   condition=Q(citizen__isnull=False, agency__isnull=True, official__isnull=True)
                                   | Q(citizen__isnull=True, agency__isnull=False, official__isnull=True)
                                   | Q(citizen__isnull=True, agency__isnull=True, official__isnull=False)),
        ]
        permissions = [("resend_notice", "Can send a notice again")]

    def __str__(self):
        return f"{self.subject} ({self.addressee})"

    @property
    def addressee(self):
        """Who the notice is for: the citizen, the agency's contact (or the agency when it has none),
        or the official. Channels read their address from it (``email``, ``mobile``, ``postal_address``)."""
        if self.citizen_id:
            return self.citizen
        if self.official_id:
            return self.official
        try:
            return self.agency.notice_contact
        except AgencyContact.DoesNotExist:
            return self.agency

    @property
    def grade_changed(self) -> bool:
        return bool(self.grade_before) and self.grade_before != self.grade_after


class AgencyContact(models.Model):
    """Where an agency's notices go by email (appeals against its reports). Without one, they wait
    in its inbox (``GET /api/v1/agency/appeals/`` and the admin)."""

    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="notice_contact",
                                  verbose_name=_("agency"))
    email = models.EmailField(_("email"), help_text=_("The address the agency answers appeals from."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("agency contact for notices")

    def __str__(self):
        return f"{self.agency.code}: {self.email}"


class DeliveryAttempt(models.Model):
    """One try to send one notice: through which channel, to which address, by which worker, and
    how it ended (``sending`` while it runs; ``lost`` if the worker stopped before it ended)."""

    class Outcome(models.TextChoices):
        SENDING = "sending", _("sending")
        DELIVERED = "delivered", _("delivered")
        RETRY = "retry", _("failed, will be retried")
        DEAD = "dead", _("failed for good (dead letter)")
        LOST = "lost", _("worker stopped during the attempt")

    notice = models.ForeignKey(
        Notice, on_delete=models.PROTECT, related_name="delivery_attempts", verbose_name=_("notice"),
    )
    number = models.PositiveSmallIntegerField(_("number"))
    channel = models.CharField(_("channel"), max_length=6, choices=Notice.Channel.choices)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=9, choices=Outcome.choices, default=Outcome.SENDING)
    address = models.CharField(_("address"), max_length=300, blank=True)
    error = models.TextField(_("error"), blank=True)
    worker = models.CharField(_("worker"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["notice", "number"]
        constraints = [models.UniqueConstraint(fields=["notice", "number"], name="attempt_number_once")]
        # The sweep looks up only attempts still open.
        indexes = [models.Index(fields=["outcome"], name="attempt_open", condition=Q(outcome="sending"))]

    def __str__(self):
        return f"attempt {self.number} of notice {self.notice_id}: {self.outcome}"
