"""Who holds which duty, and separation of duties where points move outside an agency's own report.

Both doors (the admin and ``/api/v1/``) and the services ask these functions, so one rule holds
everywhere:

- ``holds(user, permission)``: an active staff user holds the permission through a group (or a
  permission granted to them). **Superuser status alone grants no duty**: a superuser administers
  accounts and groups; to act on a person's record they must be in a role like anyone else.
- An official adjustment is never retracted or corrected: it is undone by a new four-eyes
  adjustment, or voided when an appeal against it is upheld by an official who neither proposed
  nor approved it.
- An appeal is reviewed and decided by an official who did not file it (nor, for an adjustment,
  propose or approve it). The reviewer may also decide: the review only takes the case up and moves
  no points; the second pair of eyes is the filer's.
"""
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.utils.translation import gettext as _

from core.exceptions import Forbidden, InvalidState

ADJUSTMENT_EVENT_TYPE = "official_adjustment"
_CACHE = "_duty_permissions"


def holds(user, permission: str) -> bool:
    """Whether ``user`` is an active staff user holding ``permission`` ("app_label.codename")."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active or not user.is_staff:
        return False
    if getattr(user, "pk", None) is None:
        return False
    if not user.is_superuser:
        return permission in user.get_all_permissions()  # the set has_perm uses, cached on the user
    granted = getattr(user, _CACHE, None)
    if granted is None:  # for a superuser Django answers "all": ask for what the user was actually given
        rows = (Permission.objects.filter(Q(group__user=user) | Q(user=user))
                .values_list("content_type__app_label", "codename").distinct())
        granted = {f"{app}.{codename}" for app, codename in rows}
        setattr(user, _CACHE, granted)
    return permission in granted


def holds_all(user, permissions) -> bool:
    return all(holds(user, permission) for permission in permissions)


def adjustment_officials(event) -> set[str]:
    """Usernames of the officials who proposed and approved the adjustment ``event`` records (empty if none)."""
    if event.event_type != ADJUSTMENT_EVENT_TYPE:
        return set()
    # The back office's four-eyes proposal that recorded the event, through its reverse relation: the
    # officials app builds on this one.
    proposal = getattr(event, "adjustment", None)
    if proposal is None:
        return set()
    return {user.get_username() for user in (proposal.proposed_by, proposal.approved_by) if user is not None}


def check_may_retract(event) -> None:
    """An official adjustment is not retracted: it is undone by a new four-eyes adjustment."""
    if event.event_type == ADJUSTMENT_EVENT_TYPE:
        raise InvalidState(_("An official adjustment cannot be retracted: it is undone by a new adjustment "
                             "approved by a second official, or by an upheld appeal."))


def check_may_correct(event) -> None:
    """Correcting an adjustment would change its points without four eyes: refused."""
    if event.event_type == ADJUSTMENT_EVENT_TYPE:
        raise InvalidState(_("An official adjustment cannot be corrected: propose a new adjustment, which a "
                             "second official must approve."))


def check_may_void(event, by: str) -> None:
    """Whoever voids an adjustment is neither its proposer nor its approver."""
    if by in adjustment_officials(event):
        raise Forbidden(_("Separation of duties: an official who proposed or approved an adjustment cannot "
                          "void it."))


def check_may_decide(appeal, by: str) -> None:
    """The official who reviews or decides an appeal did not file it (nor propose or approve the adjustment)."""
    if by == appeal.filed_by:
        raise Forbidden(_("Separation of duties: the official who filed an appeal cannot review or decide it."))
    if by in adjustment_officials(appeal.event):
        raise Forbidden(_("Separation of duties: an official who proposed or approved the contested adjustment "
                          "cannot review or decide the appeal against it."))


def check_may_lift(event, by: str) -> None:
    """An official who filed an open appeal against the event acts for the citizen: another records the payment."""
    if event.appeals.filter(state__in=["filed", "under_review", "escalated"], filed_by=by).exists():
        raise Forbidden(_("Separation of duties: the official who filed the citizen's appeal against this event "
                          "cannot also record that its obligation was fulfilled."))
