"""Reads: citizens, ledgers and eligibility decisions. No writes here."""
import datetime
import functools
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from citizens.models import Citizen
from citizens.validators import resident_id_problem
from points.exceptions import NotEnrolled, NotFound, ValidationFailed
from points.models import LedgerEntry
from rules.registry import current_policy


def citizen_get(*, resident_id: str, queryset=None) -> Citizen:
    """The citizen with this resident ID; 400 for a malformed ID, 404 for an unknown one.

    ``queryset`` (of citizens) reads more in the same statement: annotations, or the row lock.
    """
    problem = resident_id_problem(resident_id)
    if problem:
        raise ValidationFailed(
            f"Invalid resident ID number: {problem}.", field_errors={"resident_id": [problem]}
        )
    try:
        return (Citizen.objects if queryset is None else queryset).get(resident_id=resident_id)
    except Citizen.DoesNotExist:
        raise NotFound(f"No citizen with resident ID {resident_id}.") from None


def citizen_ledger(*, citizen: Citizen):
    """The citizen's ledger, newest first, with what each line needs to explain itself."""
    return (
        LedgerEntry.objects.filter(citizen=citizen)
        .select_related("event", "event__agency", "reverses")
        .order_by("-id")
    )


@dataclass(frozen=True)
class Decision:
    """What a service office should do for this citizen, and why."""

    service: str
    service_name: str
    decision: str
    grade: str
    score: int
    reason: str
    policy_reference: str
    policy_version: str
    under_appeal_since: datetime.date | None = None


_UNKNOWN = object()


def eligibility(*, citizen: Citizen, service_code: str, policy=None, under_appeal_since=_UNKNOWN) -> Decision:
    """The decision for one service, with a reason naming the grade and the policy line,
    and saying so when an appeal against the citizen's record is open."""
    policy = policy or current_policy()
    if not citizen.is_enrolled:
        raise NotEnrolled(f"Citizen {citizen.resident_id} is not enrolled and has no grade.")
    if citizen.status != Citizen.Status.ACTIVE:  # as reports are refused (points.services._check_scorable)
        raise NotEnrolled(f"Citizen {citizen.resident_id} is {citizen.get_status_display()}: no eligibility "
                          "decision is given.")
    service = policy.services.get(service_code)
    if service is None:
        raise NotFound(
            f"Unknown service '{service_code}'.",
            field_errors={"service": [f"must be one of: {', '.join(sorted(policy.services))}"]},
        )
    effect = service.effects[citizen.grade]
    reference = f"{service.file}:{service.line}"
    reason = f"Grade {citizen.grade} ({citizen.score} points): {effect.decision} for {service.name}"
    if effect.note:
        reason += f" — {effect.note}"
    reason += f" ({reference})."
    if under_appeal_since is _UNKNOWN:
        under_appeal_since = _under_appeal_since(citizen)
    if under_appeal_since:
        reason += (f" Decision under appeal since {under_appeal_since.isoformat()}: an appeal against an event "
                   "on this record is open, so act with care.")
        reason += _suspension_note(citizen)
    return Decision(
        service=service.code, service_name=service.name, decision=effect.decision, grade=citizen.grade,
        score=citizen.score, reason=reason, policy_reference=reference, policy_version=policy.version,
        under_appeal_since=under_appeal_since,
    )


def _suspension_note(citizen: Citizen) -> str:
    """Says so when an open appeal's missed deadline suspended points of this record (asked only under appeal)."""
    from django.utils.translation import gettext as _

    from appeals.selectors import appeals_open  # the appeals app builds on this module

    if citizen.pk is None:
        return ""
    suspended = list(appeals_open(citizen=citizen).filter(suspended_at__isnull=False).values_list("event_id", "pk"))
    return "".join(" " + _("The points of event %(event)s are suspended pending appeal #%(appeal)s: the grade above "
                           "does not count them.") % {"event": event, "appeal": appeal} for event, appeal in suspended)


def _under_appeal_since(citizen: Citizen) -> datetime.date | None:
    from appeals.selectors import appeal_open_since  # the appeals app builds on this module

    if citizen.pk is None:  # an unsaved citizen (the policy test runner) has no appeals
        return None
    since = appeal_open_since(citizen=citizen)
    return timezone.localdate(since) if since else None


def eligibility_all(*, citizen: Citizen, under_appeal_since=_UNKNOWN) -> list[Decision]:
    """Decisions for every service in the catalogue, in catalogue order."""
    policy = current_policy()
    if under_appeal_since is _UNKNOWN:
        under_appeal_since = _under_appeal_since(citizen) if citizen.is_enrolled else None
    return [eligibility(citizen=citizen, service_code=code, policy=policy, under_appeal_since=under_appeal_since)
            for code in policy.services]


@functools.cache
def _citizens_with_open_appeal():
    """Citizens annotated with ``open_appeal_filed_at``, built once per process: resolving the
    annotation cost a fifth of an eligibility answer's CPU. The queryset is never evaluated itself;
    every use clones it (``get``), so threads and requests share nothing that changes."""
    from appeals.selectors import appeals_open  # the appeals app builds on this module

    oldest = appeals_open(citizen=OuterRef("pk")).order_by("filed_at").values("filed_at")[:1]
    return Citizen.objects.annotate(open_appeal_filed_at=Subquery(oldest))


def citizen_eligibility(*, resident_id: str, service_code: str | None = None) -> tuple[Citizen, list[Decision]]:
    """The citizen and the decision for one service, or for every service without ``service_code``.

    One statement reads the citizen and when their oldest open appeal was filed, which every
    decision mentions (the API answers this question more than any other).
    """
    citizen = citizen_get(resident_id=resident_id, queryset=_citizens_with_open_appeal())
    filed_at = citizen.open_appeal_filed_at
    since = timezone.localdate(filed_at) if filed_at else None
    if service_code:
        return citizen, [eligibility(citizen=citizen, service_code=service_code, under_appeal_since=since)]
    return citizen, eligibility_all(citizen=citizen, under_appeal_since=since)
