"""Four-eyes official adjustments, and the permissions that define the officials' duties."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from citizens.models import Citizen
from points.models import Event


class AdjustmentProposal(models.Model):
    """A hand adjustment of a citizen's points, proposed by one official, applied only when another approves.

    Approval records an ``official_adjustment`` event through ``points.services.event_report``;
    ``event`` links to it, so the ledger line and both officials' names are on the record.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting a second official")
        APPROVED = "approved", _("approved and applied")
        REJECTED = "rejected", _("rejected")

    citizen = models.ForeignKey(
        Citizen, on_delete=models.PROTECT, related_name="adjustment_proposals", verbose_name=_("citizen"),
    )
    points = models.IntegerField(_("points"), help_text=_("Points to add (positive) or remove (negative)."))
    reason = models.TextField(_("reason"), help_text=_("Why the points are adjusted; shown to the citizen."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed at"), db_index=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("approved by")
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("rejected by")
    )
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True)
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    event = models.OneToOneField(
        Event, null=True, blank=True, on_delete=models.PROTECT, related_name="adjustment",
        help_text=_("The official_adjustment event recorded on approval."), verbose_name=_("event"),
    )

    class Meta:
        verbose_name = _("adjustment proposal")
        verbose_name_plural = _("adjustment proposals")
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
