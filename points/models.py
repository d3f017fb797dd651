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
        REPORTING = "reporting", "reports events"
        SERVICE = "service", "asks eligibility"
        SYSTEM = "system", "the system itself"

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REPORTING)
    event_types = models.JSONField(default=list, blank=True, help_text="Event types this agency may report.")
    services = models.JSONField(
        default=list, blank=True,
        help_text=_("Services (services.yaml) a service agency provides: the only ones it may ask eligibility for."),
    )
    is_active = models.BooleanField(default=True)
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    token_prefix = models.CharField(max_length=12, blank=True, help_text="First characters, to tell tokens apart.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "agencies"

    def __str__(self):
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        # The post_save receiver (points.agencies) replaces the agencies' generation: in the same transaction.
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)


class Event(AppendOnlyModel):
    """An immutable report of something a citizen did, as an agency reported it.

    Only its status changes, through ``points.services.event_withdraw`` (see ``points.immutable``).
    """

    class Status(models.TextChoices):
        APPLIED = "applied", "applied"
        RETRACTED = "retracted", "retracted by the reporting agency"
        VOIDED = "voided", "voided (appeal upheld or corrected)"

    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="events", db_index=False)
    event_type = models.CharField(max_length=64)
    occurred_at = models.DateTimeField(db_index=True)
    reported_at = models.DateTimeField(db_index=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="events", db_index=False)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    attributes = models.JSONField(default=dict, blank=True)
    idempotency_key = models.CharField(max_length=128)
    fingerprint = models.CharField(max_length=64, help_text="Hash of the report's content, to spot key reuse.")
    policy_version = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.APPLIED)
    status_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.CharField(max_length=150, blank=True)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrected_by", db_index=False,
        help_text="The voided event this one replaces.",
    )
    lifts = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="lifted_by", db_index=False,
        help_text="The event whose deduction this one ends (an obligation fulfilled, per the policy's 'lifts').",
    )
    migrated = models.BooleanField(
        default=False, help_text="Loaded from an earlier register: it happened before enrolment or before this system.",
    )

    objects = EventQuerySet.as_manager()

    class Meta:
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
        from officials.labels import event_type_title

        return f"#{self.pk} {event_type_title(self.event_type)}"


class LedgerEntry(AppendOnlyModel):
    """One change of one citizen's points. Never updated or deleted.

    A correction is a new entry that ``reverses`` an earlier one, so the sum of
    a citizen's deltas is always their score.
    """

    class Kind(models.TextChoices):
        OPENING = "opening", "opening balance"
        RULE = "rule", "rule applied"
        REVERSAL = "reversal", "reversal"
        EXPIRY = "expiry", "expired"
        SUSPENSION = "suspension", "suspended pending appeal"
        REINSTATEMENT = "reinstated", "reinstated after appeal"
        LIFT = "lifted", "lifted (obligation fulfilled)"

    # Entries that undo an earlier one (``reverses`` is set).
    UNDOING_KINDS = ("reversal", "expiry", "suspension", "reinstated", "lifted")
    # Entries whose points count until something undoes them: what a withdrawal reverses.
    COUNTING_KINDS = ("rule", "reinstated", "lifted")

    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="ledger", db_index=False)
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="entries")
    rule_id = models.CharField(max_length=100)
    rule_title = models.CharField(max_length=200)
    policy_version = models.CharField(max_length=64)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    delta = models.IntegerField()
    balance_after = models.IntegerField()
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    reason = models.TextField(blank=True)
    expires_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)
    prev_hash = models.CharField(max_length=64, blank=True, help_text="Hash of the citizen's previous entry.")
    # Not unique by itself: the hash covers (event, rule_id) and reverses, which the constraints below
    # already keep unique, so two entries with one hash cannot exist; an index on it would be the
    # ledger's most costly one (random keys: a full-page write per entry after each checkpoint).
    hash = models.CharField(max_length=64, help_text="HMAC of this entry chained to prev_hash.")
    key_id = models.CharField(max_length=32, blank=True, help_text="Id of the chain key (LEDGER_KEYS) of the hash.")

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["citizen", "id"]
        verbose_name_plural = "ledger entries"
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
        return f"#{self.pk}: {self.delta:+d} {self.rule_title or self.rule_id}"

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


# Built once: json.dumps with options builds a new encoder for every call (a third of the message's cost).
_ATTRIBUTES_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


class GradeChange(models.Model):
    """A citizen's grade moved; ``entry`` is the ledger entry that moved it."""

    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="grade_changes")
    from_grade = models.CharField(max_length=1, blank=True)
    to_grade = models.CharField(max_length=1)
    score = models.IntegerField()
    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="grade_changes")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["citizen", "-changed_at", "-id"]

    def __str__(self):
        return f"{self.from_grade or '-'} → {self.to_grade} ({self.citizen_id})"


class CitizenRevision(models.Model):
    """A change to a citizen's register record (not to their standing), as it was before and after.

    Written by a database trigger (migration 0006, PostgreSQL only), whoever made the change and
    however (the admin, an import, raw SQL); the application may read these rows, never change them.
    """

    citizen = models.ForeignKey(Citizen, on_delete=models.DO_NOTHING, db_constraint=False, related_name="revisions")
    changed_at = models.DateTimeField()
    db_user = models.CharField(max_length=150, help_text="The database role that made the change.")
    before = models.JSONField()
    after = models.JSONField(null=True, help_text="Empty when the record was deleted.")

    class Meta:
        ordering = ["citizen", "changed_at", "id"]

    def __str__(self):
        return f"{self.citizen_id} @ {self.changed_at:%Y-%m-%d %H:%M}"
class AgencyGeneration(models.Model):
    """One row whose value is replaced in the same transaction as every change to any agency.

    Each server process remembers the agencies it looked up for one value (``points.agencies``); reading
    the value from the database, not from a cache, is what lets a lost, flushed or restored cache never
    bring back a rotated or deactivated token.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.CharField(max_length=32)

    def __str__(self):
        return self.value
