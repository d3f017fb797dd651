"""Agencies and their API tokens: creation, rotation, deactivation, lookup by token.

A token is shown once, when it is made; only its sha256 hash is stored, with
its first characters kept so people can tell tokens apart in the admin. The
API, the admin and the management commands call these functions.

Every API request looks its agency up by token. With ``AGENCY_TOKEN_MEMO`` on (the
default, see ``config/settings.py``), each process remembers the agencies it found, keyed on
the token's hash and valid for one *generation* of agencies: a random value in one database
row (``AgencyGeneration``) replaced in the same transaction as any change to an agency (a
token rotated, an agency deactivated, created, edited or deleted). A request reads the
generation (one primary-key read instead of the agency's row) and trusts what it remembers
only for the generation it reads, so a rotated or deactivated token is refused by every
process as soon as the change commits. The database is the truth and the cache plays no
part: authentication, rotation and deactivation work with Redis down, and a restored old
Redis snapshot cannot bring a rotated token back.
"""
import hashlib
import hmac
import re
import secrets
import uuid
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.exceptions import Forbidden, InvalidState, ValidationFailed
from points.db import bulk
from points.models import Agency, AgencyGeneration
from rules.registry import current_policy

TOKEN_BYTES = 32
PREFIX_LENGTH = 8
MAX_TOKEN_LENGTH = 200
ISSUABLE_KINDS = (Agency.Kind.REPORTING, Agency.Kind.SERVICE)
_CODE = re.compile(r"[-a-zA-Z0-9_]{1,50}")


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def agency_create(*, code: str, name: str, kind: str, event_types: list[str],
                  services: list[str] = ()) -> tuple[Agency, str]:
    """Create an agency with a fresh token; returns the agency and the token (shown only now).
    A service agency names the services it provides: the only ones it may ask eligibility for."""
    _check_code_and_name(code, name)
    if kind not in ISSUABLE_KINDS:
        raise ValidationFailed(
            f"Agency kind must be one of: {', '.join(ISSUABLE_KINDS)}.",
            field_errors={"kind": [f"must be one of: {', '.join(ISSUABLE_KINDS)}"]},
        )
    event_types = agency_check_event_types(code=code, kind=kind, event_types=event_types)
    services = agency_check_services(kind=kind, services=list(services))
    token = _new_token()
    try:
        with transaction.atomic():
            agency = Agency.objects.create(
                code=code, name=name.strip(), kind=kind, event_types=event_types, services=services,
                token_hash=token_hash(token), token_prefix=token[:PREFIX_LENGTH],
            )
    except IntegrityError:
        raise ValidationFailed(f"An agency with code '{code}' already exists.",
                               field_errors={"code": ["already exists"]}) from None
    return agency, token


def agency_rotate_token(*, agency: Agency) -> str:
    """Replace the agency's token; the old one stops working at once. Returns the new token."""
    if agency.kind == Agency.Kind.SYSTEM:
        raise Forbidden("The register does not use an API token.")
    token = _new_token()
    with transaction.atomic():  # the token and the generation change together
        Agency.objects.filter(pk=agency.pk).update(token_hash=token_hash(token), token_prefix=token[:PREFIX_LENGTH])
        agencies_changed()
    agency.token_hash, agency.token_prefix = token_hash(token), token[:PREFIX_LENGTH]
    return token


def agency_deactivate(*, agency: Agency) -> None:
    """Stop an agency from using the API; its past reports stay as they are."""
    if agency.kind == Agency.Kind.SYSTEM:
        raise InvalidState("The register's own agency cannot be deactivated.")
    with transaction.atomic():  # the agency and the generation change together
        Agency.objects.filter(pk=agency.pk).update(is_active=False)
        agencies_changed()
    agency.is_active = False


def agency_for_token(token) -> Agency | None:
    """The active agency holding this token, or None.

    A remembered agency is shared by the requests of its process: read it, never change it.
    """
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    digest = token_hash(token)
    generation = _generation() if settings.AGENCY_TOKEN_MEMO else None
    known = _remembered  # once: another thread may replace it meanwhile
    agency = known.agencies.get(digest) if generation and known.generation == generation else None
    if agency is None:
        agency = Agency.objects.filter(token_hash=digest, is_active=True).first()
        if agency is not None and generation:
            _remember(generation, digest, agency)
    # The lookup is by hash; compare again in constant time for good measure.
    if agency is None or not hmac.compare_digest(agency.token_hash, digest):
        return None
    return agency


class _Remembered(NamedTuple):
    generation: str
    agencies: dict  # token hash -> Agency


_remembered = _Remembered("", {})


def _remember(generation: str, digest: str, agency: Agency) -> None:
    # The generation was read before the agency was: if a change committed in between, the
    # generation has moved on since and this entry is never used.
    global _remembered
    if _remembered.generation != generation:
        _remembered = _Remembered(generation, {})
    _remembered.agencies[digest] = agency


def _generation() -> str | None:
    """The current generation of agencies, from the database; None if its row is missing (then
    nothing is remembered until the next change writes one)."""
    return bulk.value_of(AgencyGeneration, "value", 1)


def agencies_changed() -> None:
    """Make every process look agencies up again once the calling transaction commits.

    Call it inside the transaction that changes an agency: the new generation commits, or rolls
    back, with the change, so no process can remember the old row under the new generation
    (a process reads the generation before the agency, and sees the new row once it sees the
    new generation). A random value rather than a counter, so only equality ever matters.
    """
    AgencyGeneration.objects.update_or_create(pk=1, defaults={"value": uuid.uuid4().hex})


def agency_saved_or_deleted(**kwargs) -> None:
    """Receiver of ``post_save`` and ``post_delete`` on ``Agency`` (connected in ``points.apps``)."""
    agencies_changed()


def agency_check_event_types(*, code: str, kind: str, event_types) -> list[str]:
    """The event types cleaned and checked against the policy in force; raises ValidationFailed."""
    if not isinstance(event_types, list | tuple) or not all(isinstance(t, str) for t in event_types):
        raise ValidationFailed("event_types must be a list of names.", field_errors={"event_types": ["must be a list"]})
    cleaned = list(dict.fromkeys(t.strip() for t in event_types if t.strip()))
    if kind == Agency.Kind.SERVICE and cleaned:
        raise ValidationFailed("A service agency reports no events.",
                               field_errors={"event_types": ["must be empty for a service agency"]})
    policy = current_policy()
    errors = [_event_type_problem(policy, code, name) for name in cleaned]
    errors = [e for e in errors if e]
    if errors:
        raise ValidationFailed("Some event types cannot be given to this agency.", field_errors={"event_types": errors})
    return cleaned


def agency_set_services(*, agency: Agency, services: list[str]) -> Agency:
    """Bind a service agency to the services it provides (checked against the policy in force)."""
    cleaned = agency_check_services(kind=agency.kind, services=services)
    with transaction.atomic():  # every process must stop trusting the agency it remembers
        Agency.objects.filter(pk=agency.pk).update(services=cleaned)
        agencies_changed()
    agency.services = cleaned
    return agency


def agency_check_services(*, kind: str, services) -> list[str]:
    """The services cleaned and checked against services.yaml; raises ValidationFailed."""
    if not isinstance(services, list | tuple) or not all(isinstance(s, str) for s in services):
        raise ValidationFailed(_("services must be a list of service codes."),
                               field_errors={"services": [_("must be a list")]})
    cleaned = list(dict.fromkeys(s.strip() for s in services if s.strip()))
    if kind != Agency.Kind.SERVICE and cleaned:
        raise ValidationFailed(_("Only a service agency provides services."),
                               field_errors={"services": [_("must be empty unless the agency is a service agency")]})
    known = current_policy().services
    unknown = [s for s in cleaned if s not in known]
    if unknown:
        raise ValidationFailed(
            _("Some services are not in the policy in force."),
            field_errors={"services": [_("'%(service)s' is not a service of services.yaml (known: %(known)s)")
                                       % {"service": s, "known": ", ".join(known)} for s in unknown]},
        )
    return cleaned


def _event_type_problem(policy, code: str, name: str) -> str | None:
    spec = policy.event_types.get(name)
    if spec is None:
        return f"'{name}' is not an event type of the policy in force"
    if spec.system:
        return f"'{name}' is recorded by the register only"
    if code not in spec.reported_by:
        return f"the policy says '{name}' is reported by: {', '.join(spec.reported_by) or 'nobody'}"
    return None


def _check_code_and_name(code, name) -> None:
    errors = {}
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        errors["code"] = ["1 to 50 letters, digits, '-' or '_'"]
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        errors["name"] = ["required, at most 200 characters"]
    if errors:
        raise ValidationFailed("The agency's code or name is invalid.", field_errors=errors)
