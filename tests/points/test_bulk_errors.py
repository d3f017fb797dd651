"""points.bulk raises Django's database errors, so callers' fallbacks (ingest, API batch) run."""
import pytest
from django.db import IntegrityError, transaction

from points.db import bulk
from points.models import Event
from points.synthetic import PILOT_START

pytestmark = pytest.mark.postgres


def test_duplicate_key_in_copy_is_integrity_error(make_citizen, agencies):
    citizen = make_citizen()

    def event():
        return Event(citizen=citizen, event_type="elderly_care", occurred_at=PILOT_START, reported_at=PILOT_START,
                     agency=agencies["civil_affairs"], attributes={}, idempotency_key="same", fingerprint="f",
                     policy_version="v")

    bulk.insert_all(Event, [event()])
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert_all(Event, [event() for _ in range(bulk.COPY_FROM_ROWS)])  # COPY, not INSERT
