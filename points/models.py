"""Agencies, reported events, the append-only ledger and grade history."""
import datetime
import json

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from citizens.models import Citizen
from points import keys
from points.immutable import AppendOnlyModel, AppendOnlyQuerySet, EventQuerySet


class Agency(models.Model):
    """An office that reports events or asks eligibility questions through the API."""

    class Kind(models.TextChoices):
        REPORTING = "reporting", _("reports events")
        SERVICE = "service", _("asks eligibility")
        SYSTEM = "system", _("the system itself")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REPORTING)
    event_types = models.JSONField(
        _("event types"), default=list, blank=True, help_text=_("Event types this agency may report."),
    )
    services = models.JSONField(
        _("services"),
        default=list, blank=True,
        help_text=_("Services (services.yaml) a service agency provides: the only ones it may ask eligibility for."),
    )
    is_active = models.BooleanField(_("is active"), default=True)
    token_hash = models.CharField(_("token hash"), max_length=64, blank=True, db_index=True)
    token_prefix = models.CharField(
        _("token prefix"), max_length=12, blank=True, help_text=_("First characters, to tell tokens apart."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["code"]

    def __str__(self):
        return f"{self.display_name} ({self.code})"

    def save(self, *args, **kwargs):
        # The post_save receiver (points.agencies) replaces the agencies' generation: in the same transaction.
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        """The name in the reader's language: the register's own agency (``points.services``) is
        named by the project, in the catalogue; the others by whoever registered them."""
        from django.utils.translation import gettext

        return gettext(self.name) if self.kind == self.Kind.SYSTEM else self.name


class Event(AppendOnlyModel):
    """An immutable report of something a citizen did, as an agency reported it.

    Only its status changes, through ``points.services.event_withdraw`` (see ``points.immutable``).
    """

    class Status(models.TextChoices):
        APPLIED = "applied", _("applied")
        RETRACTED = "retracted", _("retracted by the reporting agency")
        VOIDED = "voided", _("voided (appeal upheld or corrected)")

    citizen = models.ForeignKey(
        Citizen, on_delete=models.PROTECT, related_name="events", db_index=False, verbose_name=_("citizen"),
    )
    event_type = models.CharField(_("event type"), max_length=64)
    occurred_at = models.DateTimeField(_("occurred at"), db_index=True)
    reported_at = models.DateTimeField(_("reported at"), db_index=True)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="events", db_index=False, verbose_name=_("agency"),
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False,
        verbose_name=_("reported by")
    )
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=128)
    fingerprint = models.CharField(
        _("fingerprint"), max_length=64, help_text=_("Hash of the report's content, to spot key reuse."),
    )
    policy_version = models.CharField(_("policy version"), max_length=64)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.APPLIED)
    status_reason = models.TextField(_("status reason"), blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    status_changed_by = models.CharField(_("status changed by"), max_length=150, blank=True)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrected_by", db_index=False,
        help_text=_("The voided event this one replaces."), verbose_name=_("corrects"),
    )
    lifts = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="lifted_by", db_index=False,
        help_text=_("The event whose deduction this one ends (an obligation fulfilled, per the policy's 'lifts')."),
        verbose_name=_("lifts"),
    )
    migrated = models.BooleanField(
        _("migrated"),
        default=False,
        help_text=_("Loaded from an earlier register: it happened before enrolment or before this system."),
    )

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-reported_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "idempotency_key"], name="event_unique_idempotency_key"),
        ]
        # Every index costs each of a million inserted reports: none that another index already
        # covers ((citizen, ...), (agency, key)), no LIKE twins, and partial ones where most rows are NULL.
        indexes = [
            models.Index(fields=["citizen", "-occurred_at"]),
            models.Index(fields=["event_type"], name="event_type"),
            # Nearly every event is applied: only the others are worth an index entry.
            models.Index(fields=["status"], name="event_status_not_applied", condition=~Q(status="applied")),
            models.Index(fields=["reported_by"], name="event_reported_by", condition=Q(reported_by__isnull=False)),
            models.Index(fields=["corrects"], name="event_corrects", condition=Q(corrects__isnull=False)),
            models.Index(fields=["lifts"], name="event_lifts", condition=Q(lifts__isnull=False)),
        ]

    def __str__(self):
        # How admin pages name an event in passing (breadcrumbs, links): by the type's title, not its code.
        # Imported here because the explainer and the policy registry import these models.
        from points.explain import event_title
        from rules.registry import current_policy

        return f"#{self.pk} {event_title(self, current_policy())}"


class LedgerEntry(AppendOnlyModel):
    """One change of one citizen's points. Never updated or deleted.

    A correction is a new entry that ``reverses`` an earlier one, so the sum of
    a citizen's deltas is always their score.
    """

    class Kind(models.TextChoices):
        OPENING = "opening", _("opening balance")
        RULE = "rule", _("rule applied")
        REVERSAL = "reversal", _("reversal")
        EXPIRY = "expiry", _("expired")
        SUSPENSION = "suspension", _("suspended pending appeal")
        REINSTATEMENT = "reinstated", _("reinstated after appeal")
        LIFT = "lifted", _("lifted (obligation fulfilled)")

    # Entries that undo an earlier one (``reverses`` is set).
    UNDOING_KINDS = ("reversal", "expiry", "suspension", "reinstated", "lifted")
    # Entries whose points count until something undoes them: what a withdrawal reverses.
    COUNTING_KINDS = ("rule", "reinstated", "lifted")

    citizen = models.ForeignKey(
        Citizen, on_delete=models.PROTECT, related_name="ledger", db_index=False, verbose_name=_("citizen"),
    )
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="entries", verbose_name=_("event"))
    rule_id = models.CharField(_("rule id"), max_length=100)
    rule_title = models.CharField(_("rule title"), max_length=200)
    policy_version = models.CharField(_("policy version"), max_length=64)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    delta = models.IntegerField(_("delta"))
    balance_after = models.IntegerField(_("balance after"))
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by", verbose_name=_("reverses")
    )
    reason = models.TextField(_("reason"), blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    prev_hash = models.CharField(
        _("prev hash"), max_length=64, blank=True, help_text=_("Hash of the citizen's previous entry."),
    )
    # Not unique by itself: the hash covers (event, rule_id) and reverses, which the constraints below
    # already keep unique, so two entries with one hash cannot exist; an index on it would be the
    # ledger's most costly one (random keys: a full-page write per entry after each checkpoint).
    hash = models.CharField(_("hash"), max_length=64, help_text=_("HMAC of this entry chained to prev_hash."))
    key_id = models.CharField(
        _("key id"), max_length=32, blank=True, help_text=_("Id of the chain key (LEDGER_KEYS) of the hash."),
    )

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["citizen", "id"]
        constraints = [
            models.CheckConstraint(name="ledger_delta_nonzero", condition=~Q(delta=0)),
            models.CheckConstraint(
                name="ledger_reversal_links_entry",
                condition=Q(kind__in=["reversal", "expiry", "suspension", "reinstated", "lifted"],
                            reverses__isnull=False)
                | Q(kind__in=["opening", "rule"], reverses__isnull=True),
            ),
            models.UniqueConstraint(
                fields=["event", "rule_id"], condition=Q(reverses__isnull=True), name="ledger_rule_once_per_event"
            ),
        ]
        indexes = [
            models.Index(fields=["citizen", "-created_at"]),
            models.Index(fields=["expires_on"], name="ledger_expires_on", condition=Q(expires_on__isnull=False)),
        ]

    def __str__(self):
        return f"#{self.pk}: {self.delta:+d} {self.title or self.rule_id}"

    @property
    def title(self) -> str:
        """The rule's title in the reader's language: the opening entry's is the register's own text
        (``rule_title`` keeps the English that the entry's hash covers)."""
        from django.utils.translation import gettext

        return gettext("Starting points on enrolment") if self.rule_id == "starting_points" else self.rule_title

    def content_for_hash(self, resident_id: str) -> str:
        """The fields the chain protects, with the event's own content (see ``hash_message``)."""
        event = self.event
        return hash_message(
            self.key_id, self.prev_hash, resident_id, self.event_id, self.rule_id, self.rule_title,
            self.policy_version, self.kind, self.delta, self.balance_after, self.reverses_id, self.reason,
            self.created_at, self.expires_on, event.citizen_id, event.event_type, event.agency_id,
            event.occurred_at, event.fingerprint, event.attributes,
        )

    def compute_hash(self, resident_id: str) -> str:
        """The keyed hash under ``key_id`` (``KeyError`` if that key is not configured)."""
        return keys.mac(self.key_id, self.content_for_hash(resident_id))


def hash_message(key_id, prev_hash, resident_id, event_id, rule_id, rule_title, policy_version, kind, delta,
                 balance_after, reverses_id, reason, created_at, expires_on, event_citizen_id, event_type,
                 agency_id, occurred_at, fingerprint, attributes) -> str:
    """What an entry's hash covers, in a fixed order: the entry, the chain before it and the event it
    counts (who reported what, when, about whom, with which attributes), so neither can be rewritten.

    Datetimes are written in UTC, as the database hands them back; attributes as sorted compact JSON,
    which a JSON column gives back unchanged. ``points.integrity`` calls this with stored values.
    """
    # One f-string: the message of every entry is built at each write and each verification.
    return (
        f"{key_id}|{prev_hash}|{resident_id}|{event_id}|{rule_id}|{rule_title}|{policy_version}|{kind}|{delta}|"
        f"{balance_after}|{reverses_id or ''}|{reason}|{created_at.astimezone(datetime.UTC).isoformat()}|"
        f"{expires_on.isoformat() if expires_on else ''}|{event_citizen_id}|{event_type}|{agency_id}|"
        f"{occurred_at.astimezone(datetime.UTC).isoformat()}|{fingerprint}|"
        f"{_ATTRIBUTES_JSON.encode(attributes) if attributes else '{}'}"
    )


# Built once: json.dumps with options builds a new encoder for every call, and every entry hashes its event.
_ATTRIBUTES_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


class GradeChange(models.Model):
    """A citizen's grade moved; ``entry`` is the ledger entry that moved it."""

    citizen = models.ForeignKey(
        Citizen, on_delete=models.PROTECT, related_name="grade_changes", verbose_name=_("citizen"),
    )
    from_grade = models.CharField(_("from grade"), max_length=1, blank=True)
    to_grade = models.CharField(_("to grade"), max_length=1)
    score = models.IntegerField(_("score"))
    entry = models.ForeignKey(
        LedgerEntry, on_delete=models.PROTECT, related_name="grade_changes", verbose_name=_("entry"),
    )
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("grade change")
        verbose_name_plural = _("grade changes")
        ordering = ["citizen", "-changed_at", "-id"]

    def __str__(self):
        return f"{self.from_grade or '-'} → {self.to_grade} ({self.citizen_id})"


class CitizenRevision(models.Model):
    """A change to a citizen's register record (not to their standing), as it was before and after.

    Written by a database trigger (migration 0006, PostgreSQL only), whoever made the change and
    however (the admin, an import, raw SQL); the application may read these rows, never change them.
    """

    citizen = models.ForeignKey(
        Citizen, on_delete=models.DO_NOTHING, db_constraint=False, related_name="revisions", verbose_name=_("citizen"),
    )
    changed_at = models.DateTimeField(_("changed at"))
    db_user = models.CharField(_("db user"), max_length=150, help_text=_("The database role that made the change."))
    before = models.JSONField(_("before"))
    after = models.JSONField(_("after"), null=True, help_text=_("Empty when the record was deleted."))

    class Meta:
        verbose_name = _("citizen revision")
        verbose_name_plural = _("citizen revisions")
        ordering = ["citizen", "changed_at", "id"]

    def __str__(self):
        return f"{self.citizen_id} @ {self.changed_at:%Y-%m-%d %H:%M}"
class AgencyGeneration(models.Model):
    """One row whose value is replaced in the same transaction as every change to any agency.

    Each server process remembers the agencies it looked up for one value (``points.agencies``); reading
    the value from the database, not from a cache, is what lets a lost, flushed or restored cache never
    bring back a rotated or deactivated token.
    """

    id = models.PositiveSmallIntegerField(_("id"), primary_key=True, default=1)
    value = models.CharField(_("value"), max_length=32)

    def __str__(self):
        return self.value
