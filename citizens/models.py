"""The citizen register: identity, residence and the current score and grade.

``score`` and ``grade`` are a cache of the ledger kept current in the same
transaction as every ledger write (see ``points.services``); the ledger is the
source of truth.
"""
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from citizens.contacts import CONTACT_FIELDS, contacts_problem
from citizens.masking import mask_resident_id
from citizens.validators import validate_resident_id


class Citizen(models.Model):
    class Sex(models.TextChoices):
        MALE = "M", "male"
        FEMALE = "F", "female"

    class Status(models.TextChoices):
        ACTIVE = "active", "active"
        MOVED_AWAY = "moved_away", "moved away"
        DECEASED = "deceased", "deceased"

    class Channel(models.TextChoices):
        EMAIL = "email", _("email")
        SMS = "sms", _("text message (SMS)")
        LETTER = "letter", _("letter by post")

    resident_id = models.CharField(
        "resident ID number", max_length=18, unique=True, validators=[validate_resident_id]
    )
    name = models.CharField(max_length=100)
    birth_date = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    district = models.CharField(max_length=50)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    enrolled_at = models.DateTimeField(null=True, blank=True, db_index=True)
    score = models.IntegerField(null=True, blank=True)
    grade = models.CharField(max_length=1, blank=True)
    grade_changed_at = models.DateTimeField(null=True, blank=True)
    ledger_head = models.CharField(
        max_length=64, blank=True, editable=False, help_text="Hash of the newest ledger entry (the chain's head)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Contacts: where notices reach the person (notices.services picks the channel).
    mobile = PhoneNumberField(_("mobile number"), blank=True, region="CN")
    email = models.EmailField(_("email address"), blank=True)
    postal_address = models.TextField(_("postal address"), blank=True)
    preferred_channel = models.CharField(_("preferred channel"), max_length=6, choices=Channel.choices, blank=True)
    contact_consent = models.BooleanField(
        _("consents to electronic notices"), default=False,
        help_text=_("Without consent, notices go by letter to the postal address."))
    contact_consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True)

    class Meta:
        ordering = ["resident_id"]
        # Plain indexes (db_index on a CharField adds a LIKE index no query uses), and none on the
        # score: a standing update that touches no indexed column is a HOT update in PostgreSQL,
        # which writes no index at all (docs/performance.md, "Bulk ingest").
        indexes = [
            models.Index(fields=["district"], name="citizen_district"),
            models.Index(fields=["status"], name="citizen_status"),
            models.Index(fields=["grade"], name="citizen_grade"),
        ]
        constraints = [
            models.CheckConstraint(
                name="citizen_consent_has_time",
                condition=models.Q(contact_consent=False) | models.Q(contact_consent_at__isnull=False),
            ),
            models.CheckConstraint(
                name="citizen_enrolled_has_score",
                condition=(
                    models.Q(enrolled_at__isnull=True, score__isnull=True)
                    | models.Q(enrolled_at__isnull=False, score__isnull=False)
                ),
            ),
        ]

    def __str__(self):
        # How a person is named wherever the admin mentions them in passing (an event's or appeal's
        # page, a form's choice, the action log); the whole ID is shown only as the resident_id field.
        return f"{self.name} ({mask_resident_id(self.resident_id)})"

    def clean(self):
        problem = contacts_problem({field: getattr(self, field) for field in CONTACT_FIELDS})
        if problem:
            raise ValidationError(problem)

    @property
    def is_enrolled(self):
        return self.enrolled_at is not None


class ContactChange(models.Model):
    """One change of one contact field of a citizen: what it was, what it became, who and how.

    Written by ``citizens.services`` in the transaction of the change itself (import or admin).
    """

    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="contact_changes")
    field = models.CharField(max_length=30)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    changed_at = models.DateTimeField()
    changed_by = models.CharField(max_length=150, help_text=_("Username of the official, or the import file."))
    source = models.CharField(max_length=10, choices=[("admin", _("admin")), ("import", _("import"))])

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["citizen", "-changed_at"])]

    def __str__(self):
        return f"{self.field} of {self.citizen_id} at {self.changed_at:%Y-%m-%d %H:%M}"
