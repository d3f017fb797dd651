"""Reads: citizens, ledgers and eligibility decisions. No writes here."""
import datetime
import functools
from dataclasses import dataclass

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from citizens.models import Citizen
from citizens.validators import normalize_resident_id, resident_id_problem
from core.exceptions import Forbidden, NotEnrolled, NotFound, ValidationFailed
from points.explain import EXPLAIN_RELATED
from points.models import LedgerEntry
from points.signals import eligibility_answered
from rules.registry import current_policy


def citizen_get(*, resident_id: str, queryset=None) -> Citizen:
    """The citizen with this resident ID; 400 for a malformed ID, 404 for an unknown one.

    ``queryset`` (of citizens) reads more in the same statement: annotations, or the row lock.
    A final lowercase ``x`` is read as ``X``, as the admin's search reads it.
    """
    resident_id = normalize_resident_id(resident_id)
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
        .select_related(*EXPLAIN_RELATED)
        .order_by("-id")
    )


@dataclass(frozen=True)
class Decision:
    """What a service office should do for this citizen, and why.

    ``grade`` and ``score`` are None when the caller may not see them (a service agency, unless the
    service's ``disclose_score`` says otherwise); the reason then names neither."""

    service: str
    service_name: str
    decision: str
    grade: str | None
    score: int | None
    reason: str
    policy_reference: str
    policy_version: str
    under_appeal_since: datetime.date | None = None


_UNKNOWN = object()


def eligibility(*, citizen: Citizen, service_code: str, policy=None, under_appeal_since=_UNKNOWN,
                disclose: bool = True) -> Decision:
    """The decision for one service, with a reason naming the policy line (and, if ``disclose``, the
    grade and score), and saying so when an appeal against the citizen's record is open."""
    policy = policy or current_policy()
    if not citizen.is_enrolled:
        raise NotEnrolled(f"Citizen {citizen.resident_id} is not enrolled and has no grade.")
    if citizen.status != Citizen.Status.ACTIVE:  # as reports are refused (points.services._check_scorable)
        raise NotEnrolled(f"Citizen {citizen.resident_id} is {citizen.get_status_display()}: no eligibility "
                          "decision is given.")
    service = _service(policy, service_code)
    effect = service.effects[citizen.grade]
    reference = f"{service.file}:{service.line}"
    reason = f"{effect.decision} for {service.name}"
    if disclose:
        reason = f"Grade {citizen.grade} ({citizen.score} points): {reason}"
    else:
        reason = reason[:1].upper() + reason[1:]
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
        service=service.code, service_name=service.name, decision=effect.decision,
        grade=citizen.grade if disclose else None, score=citizen.score if disclose else None, reason=reason,
        policy_reference=reference, policy_version=policy.version, under_appeal_since=under_appeal_since,
    )


def _service(policy, service_code: str):
    service = policy.services.get(service_code)
    if service is None:
        raise NotFound(
            f"Unknown service '{service_code}'.",
            field_errors={"service": [f"must be one of: {', '.join(sorted(policy.services))}"]},
        )
    return service


def _suspension_note(citizen: Citizen) -> str:
    """Says so when an open appeal's missed deadline suspended points of this record (asked only under appeal)."""
    if citizen.pk is None:
        return ""
    suspended = list(_appeals_open(citizen=citizen).filter(suspended_at__isnull=False).values_list("event_id", "pk"))
    return "".join(" " + _("The points of event %(event)s are suspended pending appeal #%(appeal)s: the grade above "
                           "does not count them.") % {"event": event, "appeal": appeal} for event, appeal in suspended)


def _appeals_open(*, citizen=None):
    """The open appeals (of ``citizen``), from the selector the ``POINTS_OPEN_APPEALS`` setting names:
    the appeals app builds on this one, so it is named, not imported."""
    return import_string(settings.POINTS_OPEN_APPEALS)(citizen=citizen)


def _under_appeal_since(citizen: Citizen) -> datetime.date | None:
    if citizen.pk is None:  # an unsaved citizen (the policy test runner) has no appeals
        return None
    since = _appeals_open(citizen=citizen).order_by("filed_at").values_list("filed_at", flat=True).first()
    return timezone.localdate(since) if since else None


def eligibility_all(*, citizen: Citizen, under_appeal_since=_UNKNOWN) -> list[Decision]:
    """Decisions for every service in the catalogue, in catalogue order (for officials and the citizen)."""
    policy = current_policy()
    if under_appeal_since is _UNKNOWN:
        under_appeal_since = _under_appeal_since(citizen) if citizen.is_enrolled else None
    return [eligibility(citizen=citizen, service_code=code, policy=policy, under_appeal_since=under_appeal_since)
            for code in policy.services]


@functools.cache
def _citizens_with_open_appeal():
    """Citizens annotated with ``open_appeal_filed_at``, built once per process: resolving the
    annotation on every eligibility answer would repeat the same work each time. The queryset is never evaluated itself;
    every use clones it (``get``), so threads and requests share nothing that changes."""
    oldest = _appeals_open(citizen=OuterRef("pk")).order_by("filed_at").values("filed_at")[:1]
    return Citizen.objects.annotate(open_appeal_filed_at=Subquery(oldest))


def eligibility_services(*, agency=None, service_code: str | None = None) -> list[str]:
    """The services a caller's eligibility question is about: the one asked, else every service the
    caller may ask about. Officials (``agency`` None) may ask about any; a service agency only about
    the services its record lists (403 for another). Checked before any citizen is read."""
    policy = current_policy()
    if agency is None:
        return [_service(policy, service_code).code] if service_code else list(policy.services)
    if service_code:
        if service_code not in agency.services:
            raise Forbidden(
                _("Agency %(agency)s does not provide the service '%(service)s' and may not ask about it.")
                % {"agency": agency.code, "service": service_code},
                field_errors={"service": [_("must be one of this agency's services: %(services)s")
                                          % {"services": ", ".join(agency.services) or _("none")}]},
            )
        return [service_code]
    codes = [code for code in agency.services if code in policy.services]
    if not codes:
        raise Forbidden(_("Agency %(agency)s provides no service of the policy in force.") % {"agency": agency.code})
    return codes


def eligibility_citizen(*, resident_id: str) -> Citizen:
    """The citizen an eligibility question is about, read in one statement with when their oldest open
    appeal was filed (``open_appeal_filed_at``), which every decision mentions."""
    return citizen_get(resident_id=resident_id, queryset=_citizens_with_open_appeal())


def citizen_eligibility(*, citizen: Citizen, service_codes: list[str], agency=None) -> list[Decision]:
    """The decisions for ``service_codes`` (from ``eligibility_services``). An agency sees the grade and
    score only for services whose ``disclose_score`` is true; officials always."""
    policy = current_policy()
    filed_at = citizen.open_appeal_filed_at
    since = timezone.localdate(filed_at) if filed_at else None
    decisions = [eligibility(citizen=citizen, service_code=code, policy=policy, under_appeal_since=since,
                             disclose=agency is None or _discloses(policy, code))
                 for code in service_codes]
    eligibility_answered.send(sender=Citizen, citizen=citizen, decisions=decisions)
    return decisions


def _discloses(policy, code: str) -> bool:
    service = policy.services.get(code)
    return bool(service and service.disclose_score)
