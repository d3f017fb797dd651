"""The API's callers (tests/api/conftest.py) for the statement tests, and a record with every kind of entry."""
import datetime
import zoneinfo

import pytest
import time_machine

from appeals.services import appeal_file, appeal_reject, appeals_deadlines
from officials.services import adjustment_approve, adjustment_propose
from points.corrections import event_correct
from points.expiry import points_expire
from points.lifts import event_lift
from points.services import event_report, event_retract
from tests.api.conftest import (  # noqa: F401
    _clean_throttle_counters,
    _fast_password_hashing,
    as_agency,
    as_official,
    official,
    staff_user,
    tokens,
)
from tests.fixtures.reporting import report  # noqa: F401

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
CASE = {"case_number": "(2025)苏1324民初9号"}


def at(month: int, day: int, year: int = 2025) -> datetime.datetime:
    return datetime.datetime(year, month, day, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def record(make_citizen, agencies):
    """A citizen whose ledger holds an entry of every kind, each written by the service that writes it."""
    court, police, care, red_cross = (agencies[c] for c in ("court", "police", "civil_affairs", "red_cross"))
    proposer, approver = staff_user("proposer"), staff_user("approver")
    citizen = make_citizen(enrolled_at=at(1, 2))                                              # opening

    def report_(agency, event_type, attributes, key, occurred_at, **extra):
        return event_report(agency=agency, resident_id=citizen.resident_id, event_type=event_type,
                            occurred_at=occurred_at, attributes=attributes, idempotency_key=key, **extra)

    with time_machine.travel(at(3, 1), tick=False) as clock:
        report_(care, "elderly_care", {"months": 12}, "care", at(2, 20))                       # rule
        traffic = report_(police, "traffic_violation", {"severity": "minor"}, "traffic", at(2, 21)).event
        event_correct(event=traffic, attributes={"severity": "serious"}, reason="Red light, not parking.",
                      by="proposer")                                                           # reversal + correction
        bribery = report_(court, "bribery_conviction", CASE, "bribery", at(2, 22)).event
        event_retract(event=bribery, reason="Reported for the wrong person.", agency=court)     # reversal
        report_(red_cross, "blood_donation", {}, "migrated", at(6, 1, 2024), migrated=True)     # migrated rule
        proposal = adjustment_propose(citizen=citizen, points=5, reason="Helped at the flood shelter.",
                                      user=proposer)
        adjustment_approve(proposal=proposal, user=approver)                                   # adjustment
        judgment = report_(court, "unpaid_court_judgment", CASE, "judgment", at(2, 28)).event
        report_(court, "drunk_driving_conviction", CASE, "drunk", at(2, 27))
        appeal = appeal_file(event=judgment, grounds="I paid, to a mistyped account.", by="proposer")
        clock.move_to(at(3, 20))
        assert appeals_deadlines()                                                             # suspension
        appeal_reject(appeal=appeal, reasons="No payment reached the court.", by="approver")  # reinstatement
        clock.move_to(at(3, 24))
        event_lift(event=judgment, event_type="judgment_satisfied", resident_id=citizen.resident_id,
                   attributes={**CASE, "paid_on": "2025-03-24"}, idempotency_key="paid", agency=court)  # lift
    with time_machine.travel(at(3, 2, 2028), tick=False):
        points_expire()                                                                        # expiry
    citizen.refresh_from_db()
    return citizen

