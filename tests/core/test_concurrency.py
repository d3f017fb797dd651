"""Concurrent reports for one citizen give the exact total on PostgreSQL."""
import datetime
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from citizens.models import Citizen
from points.models import Event, LedgerEntry
from points.services import event_report
from points.synthetic import PILOT_START

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run_threads(count, work):
    def wrapped(index):
        try:
            return work(index)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(wrapped, range(count)))


def test_8_threads_x_50_events_give_exact_score(make_citizen, agencies):
    citizen = make_citizen()
    agency = agencies["civil_affairs"]

    def worker(thread):
        for number in range(50):
            event_report(agency=agency, resident_id=citizen.resident_id, event_type="elderly_care",
                         occurred_at=PILOT_START + datetime.timedelta(hours=thread * 50 + number),
                         attributes={}, idempotency_key=f"t{thread}-{number}")

    _run_threads(8, worker)
    citizen = Citizen.objects.get(pk=citizen.pk)
    entries = LedgerEntry.objects.filter(citizen=citizen)
    assert Event.objects.filter(citizen=citizen, event_type="elderly_care").count() == 400
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
                            attributes={}, idempotency_key="retry-me")

    results = _run_threads(8, worker)
    assert sum(r.created for r in results) == 1
    assert len({r.event.pk for r in results}) == 1
    citizen = Citizen.objects.get(pk=citizen.pk)
    assert citizen.score == 950
