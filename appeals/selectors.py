"""Reads: open and overdue appeals."""
import datetime

from django.utils import timezone

from appeals.models import Appeal


def appeals_open(*, citizen=None):
    appeals = Appeal.objects.filter(state__in=Appeal.OPEN_STATES)
    return appeals.filter(citizen=citizen) if citizen is not None else appeals


def appeal_open_since(*, citizen) -> datetime.datetime | None:
    """When the citizen's oldest open appeal was filed, or None."""
    first = appeals_open(citizen=citizen).order_by("filed_at").values_list("filed_at", flat=True).first()
    return first


def appeals_overdue(*, today: datetime.date | None = None):
    """Open appeals whose decision deadline has passed, the longest overdue first."""
    today = today or timezone.localdate()
    return (
        appeals_open().filter(deadline__lt=today)
        .select_related("citizen", "event").order_by("deadline", "filed_at", "id")
    )


def citizen_appeals(*, citizen):
    """Every appeal of a citizen with its history, oldest first."""
    return (
        Appeal.objects.filter(citizen=citizen).select_related("event", "event__agency")
        .prefetch_related("transitions").order_by("filed_at", "id")
    )


def agency_appeals(*, agency, only_open: bool = False):
    """The appeals against ``agency``'s own reports (its inbox), newest first (the API pages them)."""
    appeals = Appeal.objects.filter(event__agency=agency).select_related("citizen")
    if only_open:
        appeals = appeals.filter(state__in=Appeal.OPEN_STATES)
    return appeals.prefetch_related("transitions").order_by("-filed_at", "-id")


def appeal_concerns_agency(*, appeal, agency) -> bool:
    """Whether an agency may read the appeal: it filed it, or it reported the contested event."""
    return appeal.filed_by == agency.code or appeal.event.agency_id == agency.pk
