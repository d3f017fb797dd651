"""The citizen register: identity, residence and the current score and grade.

``score`` and ``grade`` are a cache of the ledger kept current in the same
transaction as every ledger write (see ``points.services``); the ledger is the
source of truth.
"""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from citizens.contacts import CONTACT_FIELDS, contacts_problem
from citizens.masking import mask_resident_id
from citizens.validators import validate_resident_id


class Citizen(models.Model):
    class Sex(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        MOVED_AWAY = "moved_away", _("moved away")
        DECEASED = "deceased", _("deceased")

    class Channel(models.TextChoices):
        EMAIL = "email", _("email")
        SMS = "sms", _("text message (SMS)")
        LETTER = "letter", _("letter by post")

    resident_id = models.CharField(
        _("resident ID number"), max_length=18, unique=True, validators=[validate_resident_id]
    )
    name = models.CharField(_("name"), max_length=100)
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    district = models.CharField(_("district"), max_length=50)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    enrolled_at = models.DateTimeField(_("enrolled at"), null=True, blank=True, db_index=True)
    score = models.IntegerField(_("score"), null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=1, blank=True)
    grade_changed_at = models.DateTimeField(_("grade changed at"), null=True, blank=True)
    ledger_head = models.CharField(
        _("ledger head"),
        max_length=64, blank=True, editable=False, help_text=_("Hash of the newest ledger entry (the chain's head).")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Contacts: where notices reach the person (notices.services picks the channel).
    mobile = PhoneNumberField(_("mobile number"), blank=True, region="CN")
    email = models.EmailField(_("email address"), blank=True)
    postal_address = models.TextField(_("postal address"), blank=True)
    preferred_channel = models.CharField(_("preferred channel"), max_length=6, choices=Channel.choices, blank=True)
    contact_consent = models.BooleanField(
        _("consents to electronic notices"), default=False,
        help_text=_("Without consent, notices go by letter to the postal address."))
    contact_consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=7, choices=settings.LANGUAGES, blank=True,
        help_text=_("The language of notices to this person; empty: the register's default language."))

    class Meta:
        verbose_name = _("citizen")
        verbose_name_plural = _("citizens")
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

    @property
    def notice_language(self) -> str:
        """The language notices to this person are written in (``translation.override`` it)."""
        return self.preferred_language or settings.LANGUAGE_CODE


class ContactChange(models.Model):
    """One change of one contact field of a citizen: what it was, what it became, who and how.

    Written by ``citizens.services`` in the transaction of the change itself (import or admin).
    """

    citizen = models.ForeignKey(
        Citizen, on_delete=models.PROTECT, related_name="contact_changes", verbose_name=_("citizen"),
    )
    field = models.CharField(_("field"), max_length=30)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)
    changed_at = models.DateTimeField(_("changed at"))
    changed_by = models.CharField(
        _("changed by"), max_length=150, help_text=_("Username of the official, or the import file."),
    )
    source = models.CharField(_("source"), max_length=10, choices=[("admin", _("admin")), ("import", _("import")),
                                                                       ("portal", _("the citizen (portal)"))])

    class Meta:
        verbose_name = _("contact change")
        verbose_name_plural = _("contact changes")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["citizen", "-changed_at"])]

    def __str__(self):
        return f"{self.field} of {self.citizen_id} at {self.changed_at:%Y-%m-%d %H:%M}"
