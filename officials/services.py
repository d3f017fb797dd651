"""Writes for officials: four-eyes adjustments and agency deactivation.

An adjustment moves points only through ``points.services.event_report`` (event type
``official_adjustment``, reported by the register), and only once a second official approves it.
"""
import datetime

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from citizens.models import Citizen
from core.exceptions import Forbidden, InvalidState, NotEnrolled, ValidationFailed
from officials.models import AdjustmentProposal
from officials.roles import ROLES
from points.duties import ADJUSTMENT_EVENT_TYPE, holds
from points.models import Event
from points.services import event_report, event_retract, system_agency
from rules.errors import AttributeValidationError
from rules.registry import current_policy

APPROVE_PERMISSION = "officials.approve_adjustmentproposal"
PROPOSE_PERMISSION = "officials.add_adjustmentproposal"
RETRACT_PERMISSION = "officials.retract_event"


def adjustment_check(*, citizen: Citizen, points, reason) -> dict:
    """Validate a proposed adjustment against the policy's schema; return the event attributes."""
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationFailed("A written reason is required.", field_errors={"reason": ["required"]})
    if isinstance(points, bool) or not isinstance(points, int) or points == 0:
        raise ValidationFailed("Points must be a whole number other than 0.",
                               field_errors={"points": ["must be a whole number other than 0"]})
    if not citizen.is_enrolled or citizen.status != Citizen.Status.ACTIVE:
        raise NotEnrolled(f"Citizen {citizen.resident_id} is not an enrolled, active citizen.")
    attributes = {"points": points, "reason": reason.strip()}
    try:
        current_policy().validate_attributes(ADJUSTMENT_EVENT_TYPE, attributes)
    except AttributeValidationError as exc:
        raise ValidationFailed("The adjustment is outside what the policy allows.",
                               field_errors={name: [msg] for name, msg in exc.field_errors.items()}) from None
    return attributes


def adjustment_propose(*, citizen: Citizen, points: int, reason: str, user,
                       now: datetime.datetime | None = None) -> AdjustmentProposal:
    """Record a proposal; it changes no points until another official approves it."""
    if not holds(user, PROPOSE_PERMISSION):
        raise Forbidden("You may not propose adjustments.")
    attributes = adjustment_check(citizen=citizen, points=points, reason=reason)
    return AdjustmentProposal.objects.create(
        citizen=citizen, points=points, reason=attributes["reason"], proposed_by=user,
        proposed_at=now or timezone.now(),
    )


def adjustment_approve(*, proposal: AdjustmentProposal, user,
                       now: datetime.datetime | None = None) -> AdjustmentProposal:
    """A second official approves: the adjustment is applied as an event, atomically with the approval."""
    now = now or timezone.now()
    _check_decider(user)
    with transaction.atomic():
        proposal = _lock_pending(proposal)
        if proposal.proposed_by_id == user.pk:
            raise Forbidden("Four-eyes rule: the official who proposed an adjustment cannot approve it.")
        result = event_report(
            agency=system_agency(), resident_id=proposal.citizen.resident_id,
            event_type=ADJUSTMENT_EVENT_TYPE,
            # The proposal's time, so a retried approval reproduces the same report exactly.
            occurred_at=proposal.proposed_at,
            attributes={"points": proposal.points, "reason": proposal.reason},
            idempotency_key=f"adjustment:{proposal.pk}", reported_by=user, now=now,
        )
        proposal.status = AdjustmentProposal.Status.APPROVED
        proposal.approved_by, proposal.approved_at, proposal.event = user, now, result.event
        proposal.save(update_fields=["status", "approved_by", "approved_at", "event"])
    return proposal


def adjustment_reject(*, proposal: AdjustmentProposal, user, reason: str,
                      now: datetime.datetime | None = None) -> AdjustmentProposal:
    """An official turns a proposal down with a written reason (the proposer may withdraw their own)."""
    _check_decider(user)
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationFailed("A written reason is required.", field_errors={"reason": ["required"]})
    with transaction.atomic():
        proposal = _lock_pending(proposal)
        proposal.status = AdjustmentProposal.Status.REJECTED
        proposal.rejected_by, proposal.rejected_at = user, now or timezone.now()
        proposal.rejection_reason = reason.strip()
        proposal.save(update_fields=["status", "rejected_by", "rejected_at", "rejection_reason"])
    return proposal


def _check_decider(user) -> None:
    if not holds(user, APPROVE_PERMISSION):
        raise Forbidden("You may not approve or reject adjustments.")


def _lock_pending(proposal: AdjustmentProposal) -> AdjustmentProposal:
    proposal = AdjustmentProposal.objects.select_for_update().select_related("citizen").get(pk=proposal.pk)
    if proposal.status != AdjustmentProposal.Status.PENDING:
        raise InvalidState(f"Adjustment #{proposal.pk} is already {proposal.status}.")
    return proposal


def event_retract_by_official(*, event: Event, reason: str, user) -> list:
    """An official retracts a report from the admin; returns the reversal entries.

    ``points.services.event_retract`` checks the duty (``officials.retract_event``) and refuses an
    official adjustment, so the admin and the API obey the same rule (``points.duties``).
    """
    if not holds(user, RETRACT_PERMISSION):
        raise Forbidden(_("You may not retract events."))
    return event_retract(event=event, reason=reason, user=user)


def roles_setup() -> dict:
    """Make each role's group hold exactly its permissions; returns group -> sorted codenames.

    Run after ``migrate`` (which creates the permissions). Unknown permissions raise, so a typo
    in the role table cannot silently grant less than intended.
    """
    granted = {}
    with transaction.atomic():
        for name, codenames in ROLES.items():
            wanted = sorted(set(codenames))
            permissions = [_permission(Permission, full) for full in wanted]
            group, _ = Group.objects.get_or_create(name=name)
            group.permissions.set(permissions)
            granted[name] = wanted
    return granted


def _permission(permission_model, full_codename: str):
    app_label, codename = full_codename.split(".", 1)
    try:
        return permission_model.objects.get(content_type__app_label=app_label, codename=codename)
    except permission_model.DoesNotExist:
        raise InvalidState(f"Permission {full_codename} does not exist; run 'manage.py migrate'.") from None
