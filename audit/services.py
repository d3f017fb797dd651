"""Writes to the access log. The API and the admin call ``access_log_record`` on every read."""
import datetime

from django.utils import timezone

from audit.models import AccessLog

MAX_PATH = 500


def access_log_record(
    *,
    actor: str,
    actor_kind: str,
    citizen,
    action: str,
    channel: str,
    path: str = "",
    at: datetime.datetime | None = None,
) -> AccessLog:
    """Record that ``actor`` read ``citizen``'s record (``action``) through ``channel``."""
    return AccessLog.objects.create(
        actor=actor[:150], actor_kind=actor_kind, citizen=citizen, action=action, channel=channel,
        path=(path or "")[:MAX_PATH], at=at or timezone.now(),
    )
