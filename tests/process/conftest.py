"""Fixtures for the due-process tests: reporting helpers and an official."""
import datetime

import pytest

from points.services import event_report
from points.synthetic import PILOT_START

WHEN = datetime.datetime(2025, 3, 1, 10, 0, tzinfo=PILOT_START.tzinfo)
CASE = {"case_number": "(2025)苏1324刑初17号"}


@pytest.fixture
def report(agencies):
    """Report one event as an agency (by code); returns the ReportResult."""
    counter = iter(range(1, 10_000))

    def make(citizen, event_type, attributes=None, *, agency=None, occurred_at=WHEN, key=None, now=None):
        code = agency or {"drunk_driving_conviction": "court", "bribery_conviction": "court",
                          "unpaid_court_judgment": "court", "traffic_violation": "police",
                          "elderly_care": "civil_affairs", "blood_donation": "red_cross"}.get(event_type, "community")
        if attributes is None:
            attributes = CASE if event_type in ("drunk_driving_conviction", "bribery_conviction",
                                                "unpaid_court_judgment") else {}
        return event_report(agency=agencies[code], resident_id=citizen.resident_id, event_type=event_type,
                            occurred_at=occurred_at, attributes=attributes,
                            idempotency_key=key or f"test-{next(counter)}", now=now)

    return make


# The API tests' fixtures (agency tokens and clients, an official with a known password, clean throttles).
from tests.api.conftest import (  # noqa: E402, F401
    _clean_throttle_counters,
    _fast_password_hashing,
    as_agency,
    as_official,
    as_second_official,
    official,
    second_official,
    tokens,
)
