"""Reads: notices due, an agency's inbox, the supervisors told of escalations, the dead letters."""
from django.conf import settings
from django.contrib.auth import get_user_model
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


def supervisors():
    """The officials told when an appeal is escalated: active staff in the group named by
    ``settings.NOTICES_SUPERVISORS_GROUP`` (``Supervisors``), in a fixed order."""
    return (get_user_model().objects.filter(is_active=True, is_staff=True,
                                            groups__name=settings.NOTICES_SUPERVISORS_GROUP)
            .distinct().order_by("pk"))
