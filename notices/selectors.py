"""Reads: notices due, an agency's inbox, the dead letters."""
from django.utils import timezone

from notices.models import Notice
from notices.services import QUEUED_CHANNELS


def notices_due_ids(*, now=None, limit: int = 100000) -> list:
    """Ids of the email and SMS notices due to be sent now."""
    return list(Notice.objects.filter(delivery_status=Notice.Delivery.PENDING, channel__in=QUEUED_CHANNELS,
                                      next_attempt_at__lte=now or timezone.now())
                .order_by("pk").values_list("pk", flat=True)[:limit])


def agency_inbox(*, agency):
    """Notices addressed to an agency (appeals against its reports), newest first."""
    return Notice.objects.filter(agency=agency).select_related("event", "appeal")


def notices_dead():
    """Dead letters: notices delivery gave up on, with ``last_error`` saying why."""
    return Notice.objects.filter(delivery_status=Notice.Delivery.DEAD).select_related("citizen")
