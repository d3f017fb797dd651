"""Four-eyes official adjustments, and the permissions that define the officials' duties."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext

from citizens.models import Citizen
from points.models import Event


class AdjustmentProposal(models.Model):
    """A hand adjustment of a citizen's points, proposed by one official, applied only when another approves.

    Approval records an ``official_adjustment`` event through ``points.services.event_report``;
    ``event`` links to it, so the ledger line and both officials' names are on the record.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "awaiting a second official"
        APPROVED = "approved", "approved and applied"
        REJECTED = "rejected", "rejected"

    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="adjustment_proposals")
    points = models.IntegerField(help_text="Points to add (positive) or remove (negative).")
    reason = models.TextField(help_text="Why the points are adjusted; shown to the citizen.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(db_index=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    event = models.OneToOneField(
        Event, null=True, blank=True, on_delete=models.PROTECT, related_name="adjustment",
        help_text="The official_adjustment event recorded on approval.",
    )

    class Meta:
        ordering = ["-proposed_at", "-id"]
        permissions = [
            ("approve_adjustmentproposal", "Can approve or reject adjustment proposals"),
            ("retract_event", "Can retract reported events"),
            ("view_dashboard", "Can view the dashboards"),
            ("view_policy", "Can view the policy in force"),
            ("view_eligibility", "Can ask a citizen's eligibility for services"),
        ]
        constraints = [
            models.CheckConstraint(name="adjustment_points_nonzero", condition=~Q(points=0)),
            models.CheckConstraint(
                name="adjustment_status_matches_decision",
                condition=(
                    Q(status="pending", approved_by__isnull=True, rejected_by__isnull=True,
                      event__isnull=True)
                    | Q(status="approved", approved_by__isnull=False, approved_at__isnull=False,
                        rejected_by__isnull=True, event__isnull=False)
                    | Q(status="rejected", rejected_by__isnull=False, rejected_at__isnull=False,
                        approved_by__isnull=True, event__isnull=True)
                ),
            ),
            models.CheckConstraint(
                name="adjustment_four_eyes", condition=~Q(approved_by=models.F("proposed_by"))
            ),
        ]

    def __str__(self):
        # The citizen as every admin page names a person in passing: name and masked resident ID.
        return gettext("%(points)+d points for %(citizen)s (%(status)s)") % {
            "points": self.points, "citizen": self.citizen, "status": self.get_status_display()}
