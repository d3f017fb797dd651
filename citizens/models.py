"""The citizen register: identity, residence and the current score and grade.

``score`` and ``grade`` are a cache of the ledger kept current in the same
transaction as every ledger write (see ``points.services``); the ledger is the
source of truth.
"""
from django.db import models

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

    @property
    def is_enrolled(self):
        return self.enrolled_at is not None
