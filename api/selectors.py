"""Reads the API needs on top of ``points.selectors``: what each caller may see."""
from points.exceptions import NotFound
from points.models import Agency, Event
from points.selectors import citizen_ledger

MAX_ID = 2**63 - 1


def event_get(*, event_id: int) -> Event:
    """The event with this id, or NotFound (ids beyond the database's range included)."""
    event = Event.objects.filter(pk=event_id).first() if 0 < event_id <= MAX_ID else None
    if event is None:
        raise NotFound(f"No event with id {event_id}.")
    return event


def ledger_visible_to(*, citizen, agency: Agency | None):
    """The citizen's ledger, newest first; an agency sees only entries its own reports caused."""
    entries = citizen_ledger(citizen=citizen)
    if agency is not None:
        entries = entries.filter(event__agency=agency)
    return entries
