"""Appeals against events and the history of every step an appeal took. What each step tells whom is
``notices``' business: appeals sends ``appeals.signals``."""
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from citizens.models import Citizen
from points.models import Event

OPEN = ["filed", "under_review", "escalated"]


class Appeal(models.Model):
    """A citizen contests an event on their record; an official decides it with written reasons.

    States: filed → under_review → upheld (the event is voided and its points restored) or
    rejected. The agency that reported the event is asked to confirm or withdraw it by
    ``source_due``; when that day or the decision ``deadline`` passes first, the deduction is
    suspended and the appeal is escalated to the supervisors' queue, from where it is decided.
    Only ``appeals.services`` changes an appeal; each change adds an ``AppealTransition``.
    """

    class State(models.TextChoices):
        FILED = "filed", _("filed")
        UNDER_REVIEW = "under_review", _("under review")
        ESCALATED = "escalated", _("escalated: a deadline passed, deduction suspended")
        UPHELD = "upheld", _("upheld")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn by the citizen")

    class Channel(models.TextChoices):
        ADMIN = "admin", _("filed by an official (admin)")
        API = "api", _("filed through the API")
        PORTAL = "portal", _("filed by the citizen (portal)")

    class Claim(models.TextChoices):
        WRONG = "wrong", _("the record is wrong")
        PAID = "paid", _("the obligation was fulfilled (paid)")

    class Answer(models.TextChoices):
        CONFIRM = "confirm", _("confirmed by the source")
        WITHDRAW = "withdraw", _("withdrawn by the source")

    OPEN_STATES = (State.FILED, State.UNDER_REVIEW, State.ESCALATED)

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("event"))
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("citizen"))
    filed_by = models.CharField(
        _("filed by"), max_length=150, help_text=_("Username of the official or code of the office."),
    )
    filed_at = models.DateTimeField(_("filed at"), db_index=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    grounds = models.TextField(_("grounds"), help_text=_("Why the citizen says the record is wrong."))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.FILED, db_index=True)
    deadline = models.DateField(_("deadline"), db_index=True, help_text=_("The decision is due by this day (policy)."))
    decided_by = models.CharField(_("decided by"), max_length=150, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reasons = models.TextField(_("decision reasons"), blank=True)
    policy_version = models.CharField(
        _("policy version"), max_length=64, help_text=_("The policy whose deadline applied."),
    )
    claim = models.CharField(_("claim"), max_length=8, choices=Claim.choices, default=Claim.WRONG)
    evidence = models.JSONField(
        _("evidence"), default=list, blank=True, help_text=_("References of the citizen's evidence."),
    )
    late_reason = models.TextField(
        _("late reason"), blank=True, help_text=_("Why an appeal filed after the citizen's window was accepted."),
    )
    source_due = models.DateField(_("source due"), null=True, blank=True,
                                  help_text=_("The reporting agency answers by this day (none: no outside source)."))
    source_answer = models.CharField(_("source answer"), max_length=8, choices=Answer.choices, blank=True)
    source_answered_at = models.DateTimeField(_("source answered at"), null=True, blank=True)
    source_answered_by = models.CharField(_("source answered by"), max_length=150, blank=True)
    source_reasons = models.TextField(_("source reasons"), blank=True)
    source_evidence = models.JSONField(_("source evidence"), default=list, blank=True)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True,
                                        help_text=_("When a missed deadline suspended the contested deduction."))

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-filed_at", "-id"]
        permissions = [
            ("decide_appeal", "Can review and decide appeals"),
            ("correct_event", "Can correct an event (void it and report it again)"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event"], condition=Q(state__in=OPEN), name="appeal_one_open_per_event"
            ),
            models.CheckConstraint(
                name="appeal_decision_complete",
                condition=Q(state__in=OPEN, decided_at__isnull=True)
                | (Q(state__in=["upheld", "rejected", "withdrawn"], decided_at__isnull=False)
                   & ~Q(decision_reasons="")),
            ),
            # Separation of duties (points.duties): whoever files an appeal does not decide it.
            models.CheckConstraint(name="appeal_decider_is_not_filer", condition=~Q(decided_by=F("filed_by"))),
        ]
        indexes = [models.Index(fields=["citizen", "state"]), models.Index(fields=["state", "deadline"])]

    def __str__(self):
        return _("Appeal #%(appeal)s against event #%(event)s (%(state)s)") % {
            "appeal": self.pk, "event": self.event_id, "state": self.get_state_display()}

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    def is_overdue(self, today) -> bool:
        return self.is_open and self.deadline < today

    def source_overdue(self, today) -> bool:
        """The reporting agency was asked and has not answered by its day."""
        return self.is_open and self.source_due is not None and not self.source_answer and self.source_due < today


class AppealTransition(models.Model):
    """One step of an appeal: who moved it from which state to which, when, and why."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="transitions", verbose_name=_("appeal"))
    from_state = models.CharField(
        _("from state"), max_length=12, blank=True, help_text=_("Empty for the filing itself."),
    )
    to_state = models.CharField(_("to state"), max_length=12, choices=Appeal.State.choices)
    by = models.CharField(_("by"), max_length=150)
    at = models.DateTimeField(_("at"))
    reasons = models.TextField(_("reasons"), blank=True)

    class Meta:
        verbose_name = _("appeal step")
        verbose_name_plural = _("appeal steps")
        ordering = ["appeal", "at", "id"]

    def __str__(self):
        states = dict(Appeal.State.choices)
        return _("%(from)s → %(to)s by %(by)s") % {
            "from": states.get(self.from_state, self.from_state) if self.from_state else _("new"),
            "to": states.get(self.to_state, self.to_state), "by": self.by}


class Evidence(models.Model):
    """One file the citizen gave with an appeal (PDF, JPEG or PNG, its type read from its content).

    The bytes live under ``settings.EVIDENCE_ROOT`` (outside the web root) as ``stored_name``; only
    the citizen's portal and the appeals admin serve them, each after checking who asks.
    """

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="evidence_files",
                               verbose_name=_("appeal"))
    file_name = models.CharField(_("file name"), max_length=200,
                                 help_text=_("The name the file had on the citizen's device."))
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    stored_name = models.CharField(_("stored name"), max_length=100, unique=True)
    uploaded_at = models.DateTimeField(_("uploaded at"))
    uploaded_by = models.CharField(_("uploaded by"), max_length=150)

    class Meta:
        ordering = ["appeal", "uploaded_at", "id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self):
        return f"{self.file_name} ({self.size} bytes) for appeal #{self.appeal_id}"
