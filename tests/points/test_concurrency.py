"""Concurrent reports for one citizen give the exact total on PostgreSQL."""
import datetime

import pytest

from citizens.models import Citizen
from points.models import Event, LedgerEntry
from points.services import event_report
from points.synthetic import PILOT_START
from tests.threads import run_in_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_8_threads_x_50_events_give_exact_score(make_citizen, agencies):
    """Half the threads add 50 points, half deduct 5: every report makes an entry until the ceiling."""
    citizen = make_citizen()
    kinds = [("civil_affairs", "elderly_care", {"months": 1}), ("police", "traffic_violation", {"severity": "minor"})]

    def worker(thread):
        agency, event_type, attributes = kinds[thread % 2]
        for number in range(50):
            event_report(agency=agencies[agency], resident_id=citizen.resident_id, event_type=event_type,
                         occurred_at=PILOT_START + datetime.timedelta(hours=thread * 50 + number),
                         attributes=attributes, idempotency_key=f"t{thread}-{number}")

    run_in_threads(8, worker)
    citizen = Citizen.objects.get(pk=citizen.pk)
    entries = LedgerEntry.objects.filter(citizen=citizen)
    assert Event.objects.filter(citizen=citizen).exclude(event_type="enrolment").count() == 400
    assert entries.filter(delta=-5).count() == 200
    total = sum(entries.values_list("delta", flat=True))
    assert citizen.score == total
    running = 0
    for delta, balance in entries.order_by("id").values_list("delta", "balance_after"):
        running += delta
        assert balance == running, "an entry was computed from a stale score (lost update)"


def test_same_report_from_8_threads_applies_once(make_citizen, agencies):
    citizen = make_citizen()

    def worker(_):
        return event_report(agency=agencies["court"], resident_id=citizen.resident_id,
                            event_type="bribery_conviction", occurred_at=PILOT_START + datetime.timedelta(days=3),
                            attributes={"case_number": "X1"}, idempotency_key="retry-me")

    results = run_in_threads(8, worker)
    assert sum(r.created for r in results) == 1
    assert len({r.event.pk for r in results}) == 1
    citizen = Citizen.objects.get(pk=citizen.pk)
    assert citizen.score == 950
