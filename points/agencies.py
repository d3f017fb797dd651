"""Agencies' API tokens: creation and rotation (minimal version for the admin branch).

A token is shown once, when it is made; only its sha256 hash is stored, with its first characters
kept so people can tell tokens apart. The API branch ships the full module; this one has exactly
the two functions the admin calls, with the same signatures.
"""
import hashlib
import secrets

from django.db import IntegrityError, transaction

from points.exceptions import Forbidden, ValidationFailed
from points.models import Agency

PREFIX_LENGTH = 8


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def agency_create(*, code: str, name: str, kind: str, event_types: list[str]) -> tuple[Agency, str]:
    """Create an agency with a fresh token; returns the agency and the token (shown only now)."""
    if kind == Agency.Kind.SYSTEM:
        raise ValidationFailed("Only reporting or service agencies can be created.",
                               field_errors={"kind": ["must be reporting or service"]})
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            agency = Agency.objects.create(code=code, name=name, kind=kind, event_types=list(event_types),
                                           token_hash=_token_hash(token), token_prefix=token[:PREFIX_LENGTH])
    except IntegrityError:
        raise ValidationFailed(f"An agency with code '{code}' already exists.",
                               field_errors={"code": ["already exists"]}) from None
    return agency, token


def agency_rotate_token(*, agency: Agency) -> str:
    """Replace the agency's token; the old one stops working at once. Returns the new token."""
    if agency.kind == Agency.Kind.SYSTEM:
        raise Forbidden("The register does not use an API token.")
    token = secrets.token_urlsafe(32)
    Agency.objects.filter(pk=agency.pk).update(token_hash=_token_hash(token), token_prefix=token[:PREFIX_LENGTH])
    agency.token_hash, agency.token_prefix = _token_hash(token), token[:PREFIX_LENGTH]
    return token
