"""Agencies and their API tokens: creation, rotation, deactivation, lookup by token.

A token is shown once, when it is made; only its sha256 hash is stored, with
its first characters kept so people can tell tokens apart in the admin. The
API, the admin and the management commands call these functions.
"""
import hashlib
import hmac
import re
import secrets

from django.db import IntegrityError, transaction

from points.exceptions import Forbidden, InvalidState, ValidationFailed
from points.models import Agency

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


def agency_create(*, code: str, name: str, kind: str, event_types: list[str]) -> tuple[Agency, str]:
    """Create an agency with a fresh token; returns the agency and the token (shown only now)."""
    _check_code_and_name(code, name)
    if kind not in ISSUABLE_KINDS:
        raise ValidationFailed(
            f"Agency kind must be one of: {', '.join(ISSUABLE_KINDS)}.",
            field_errors={"kind": [f"must be one of: {', '.join(ISSUABLE_KINDS)}"]},
        )
    event_types = agency_check_event_types(code=code, kind=kind, event_types=event_types)
    token = _new_token()
    try:
        with transaction.atomic():
            agency = Agency.objects.create(
                code=code, name=name.strip(), kind=kind, event_types=event_types,
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
    Agency.objects.filter(pk=agency.pk).update(token_hash=token_hash(token), token_prefix=token[:PREFIX_LENGTH])
    agency.token_hash, agency.token_prefix = token_hash(token), token[:PREFIX_LENGTH]
    return token


def agency_deactivate(*, agency: Agency) -> None:
    """Stop an agency from using the API; its past reports stay as they are."""
    if agency.kind == Agency.Kind.SYSTEM:
        raise InvalidState("The register's own agency cannot be deactivated.")
    Agency.objects.filter(pk=agency.pk).update(is_active=False)
    agency.is_active = False


def agency_for_token(token) -> Agency | None:
    """The active agency holding this token, or None."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    digest = token_hash(token)
    agency = Agency.objects.filter(token_hash=digest, is_active=True).first()
    # The lookup is by hash; compare again in constant time for good measure.
    if agency is None or not hmac.compare_digest(agency.token_hash, digest):
        return None
    return agency


def agency_check_event_types(*, code: str, kind: str, event_types) -> list[str]:
    """The event types cleaned and checked against the policy in force; raises ValidationFailed."""
    from rules.registry import current_policy

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
