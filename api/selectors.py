"""Reads the API needs on top of ``points.selectors``: what each caller may see.

An agency with no business with a person or an event gets the same answer as for one that does not
exist, so that its answers cannot be used to probe the register (docs/api.md, "What each caller sees").
"""
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from citizens.models import Citizen
from core.exceptions import NotFound
from points.models import Agency, Event
from points.selectors import citizen_get, citizen_ledger

MAX_ID = 2**63 - 1


def event_get(*, event_id: int, agency: Agency | None = None) -> Event:
    """The event with this id, or NotFound (ids beyond the database's range included). With ``agency``,
    only that agency's own reports: another agency's event is as unknown as a missing one."""
    events = Event.objects.all() if agency is None else Event.objects.filter(agency=agency)
    event = events.filter(pk=event_id).first() if 0 < event_id <= MAX_ID else None
    if event is None:
        if agency is not None:
            raise NotFound(_("No event with id %(id)s reported by %(agency)s.") % {"id": event_id,
                                                                                    "agency": agency.code})
        raise NotFound(_("No event with id %(id)s.") % {"id": event_id})
    return event


def citizen_for_caller(*, resident_id: str, agency: Agency | None) -> Citizen:
    """The citizen whose ledger the caller asks for. Officials: anyone registered. A reporting agency:
    only a person it has reported on; an unknown ID and a person it never reported on give the same 404."""
    if agency is None:
        return citizen_get(resident_id=resident_id)
    reported = Exists(Event.objects.filter(citizen=OuterRef("pk"), agency=agency))
    try:
        return citizen_get(resident_id=resident_id, queryset=Citizen.objects.filter(reported))
    except NotFound:
        raise NotFound(_("No citizen with resident ID %(id)s that you have reported on.")
                       % {"id": resident_id}) from None


def ledger_visible_to(*, citizen, agency: Agency | None):
    """The citizen's ledger, newest first; an agency sees only entries its own reports caused."""
    entries = citizen_ledger(citizen=citizen)
    if agency is not None:
        entries = entries.filter(event__agency=agency)
    return entries
