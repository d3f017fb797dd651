"""Writes to the access log. Every door that shows a person's record (API, admin, statements)
calls ``access_log_record`` once per read."""
import datetime
import ipaddress

from django.utils import timezone

from audit.models import AccessLog

MAX_PATH = 500
MAX_PURPOSE = 200


def access_log_record(
    *,
    actor: str,
    actor_kind: str,
    citizen,
    action: str,
    channel: str,
    purpose: str = "",
    source_address: str | None = None,
    path: str = "",
    at: datetime.datetime | None = None,
) -> AccessLog:
    """Record that ``actor`` read ``citizen``'s record (``action``, for ``purpose``) through ``channel``
    from ``source_address``. The purpose defaults to the action; an unparsable address is kept as none
    rather than refusing the read's record."""
    return AccessLog.objects.create(
        actor=actor[:150], actor_kind=actor_kind, citizen=citizen, action=action, channel=channel,
        purpose=(purpose or action)[:MAX_PURPOSE], source_address=_address(source_address),
        path=(path or "")[:MAX_PATH], at=at or timezone.now(),
    )


def _address(text: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((text or "").strip()))
    except ValueError:
        return None
