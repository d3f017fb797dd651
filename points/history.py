"""Reading citizens' stored histories for a replay: what was reported and what it counted for.

Rows are read with ``values_list`` ordered by citizen and id, so a whole population can
be streamed with ``.iterator()`` and grouped citizen by citizen without loading it all.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from points.models import Event, LedgerEntry
from points.replay import StoredEvent
from points.services import ENROLMENT_EVENT_TYPE

EVENT_FIELDS = ("citizen_id", "id", "event_type", "occurred_at", "attributes", "status", "corrects_id")
ENTRY_FIELDS = ("citizen_id", "event_id", "kind", "rule_id", "delta")
_OPENING, _APPLIED = LedgerEntry.Kind.OPENING.value, Event.Status.APPLIED.value


def event_rows(**filters):
    """Every reported event (not enrolments) matching ``filters``, by citizen then id."""
    return (
        Event.objects.filter(**filters).exclude(event_type=ENROLMENT_EVENT_TYPE)
        .order_by("citizen_id", "id").values_list(*EVENT_FIELDS)
    )


def entry_rows(**filters):
    """Opening and rule entries matching ``filters``, by citizen then id."""
    return (
        LedgerEntry.objects.filter(kind__in=[LedgerEntry.Kind.OPENING, LedgerEntry.Kind.RULE], **filters)
        .order_by("citizen_id", "id").values_list(*ENTRY_FIELDS)
    )


def citizen_history(events: Iterable[tuple], entries: Iterable[tuple]) -> tuple[int, list[StoredEvent]]:
    """The opening balance and the applied events of one citizen, in report order, with their entries.

    An event that replaces a voided one (``corrects``, as the retroactive re-scoring writes
    them) takes the place of the report it replaces, so replaying again gives the same order.
    """
    opening, stored = 0, defaultdict(list)
    for _citizen, event_id, kind, rule_id, delta in entries:
        if kind == _OPENING:
            opening += delta
        else:
            stored[event_id].append((rule_id, delta))
    positions: dict[int, int] = {}
    applied = []
    for _citizen, event_id, event_type, occurred_at, attributes, status, corrects_id in events:
        position = positions[event_id] = positions.get(corrects_id, event_id)
        if status == _APPLIED:
            event = StoredEvent(event_id, event_type, occurred_at, attributes, tuple(stored.get(event_id, ())))
            applied.append((position, event_id, event))
    applied.sort(key=lambda item: item[:2])
    return opening, [event for _, _, event in applied]


def grouped(rows: Iterable[tuple]) -> Iterator[tuple[int, list[tuple]]]:
    """``(citizen id, rows)`` for rows sorted by citizen id (the first column)."""
    current, batch = None, []
    for row in rows:
        if row[0] != current:
            if batch:
                yield current, batch
            current, batch = row[0], []
        batch.append(row)
    if batch:
        yield current, batch
