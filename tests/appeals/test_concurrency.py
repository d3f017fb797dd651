"""Due-process writes racing each other on PostgreSQL: each takes effect exactly once."""
import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from appeals.models import Appeal
from appeals.services import appeal_file
from core.exceptions import InvalidState
from points.expiry import points_expire
from points.integrity import ledger_verify
from points.models import LedgerEntry
from tests.fixtures.reporting import WHEN

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(count, work):
    barrier = threading.Barrier(count)

    def wrapped(index):
        barrier.wait()
        try:
            return work(index)
        except InvalidState as exc:
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(wrapped, range(count)))


def test_concurrent_expiry_runs_expire_each_entry_once(make_citizen, report):
    citizens = [make_citizen() for _ in range(5)]
    for number, citizen in enumerate(citizens):
        for day in range(3):
            report(citizen, "traffic_violation", {"severity": "minor"}, key=f"c{number}-{day}",
                   occurred_at=WHEN + datetime.timedelta(days=day))
    reports = _race(4, lambda _: points_expire(today=datetime.date(2027, 1, 1), batch_size=2))
    assert sum(r.entries for r in reports) == 15
    assert LedgerEntry.objects.filter(kind="expiry").count() == 15
    for citizen in citizens:
        citizen.refresh_from_db()
        assert citizen.score == 1000
    assert ledger_verify().ok


def test_concurrent_filings_open_one_appeal(make_citizen, report):
    event = report(make_citizen(), "drunk_driving_conviction").event
    results = _race(4, lambda n: appeal_file(event=event, grounds="wrong person", by=f"clerk{n}"))
    assert sum(isinstance(r, Appeal) for r in results) == 1
    assert sum(isinstance(r, InvalidState) for r in results) == 3
    assert Appeal.objects.filter(event=event).count() == 1
