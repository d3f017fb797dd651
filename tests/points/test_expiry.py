"""Rehabilitation: expired deductions restore the points once, never twice."""
import datetime
import io
import re

import pytest
from django.core.management import call_command

from notices.models import Notice
from points.expiry import points_expire
from points.integrity import ledger_verify
from points.models import LedgerEntry
from points.services import event_void
from tests.fixtures.reporting import WHEN


@pytest.fixture
def penalised(make_citizen, report):
    """930 points, grade B: -50 drunk driving (expires after 3y) and -20 serious traffic (3y), +50 care (never)."""
    citizen = make_citizen()
    report(citizen, "drunk_driving_conviction")
    report(citizen, "traffic_violation", {"severity": "serious"}, occurred_at=WHEN + datetime.timedelta(days=10))
    report(citizen, "elderly_care", {"months": 2})
    report(citizen, "drunk_driving_conviction", occurred_at=WHEN + datetime.timedelta(days=20))
    citizen.refresh_from_db()
    assert (citizen.score, citizen.grade) == (930, "B")
    return citizen


def score(citizen):
    citizen.refresh_from_db()
    return citizen.score, citizen.grade


def test_expiry_dates_come_from_the_rule(penalised):
    dates = sorted(LedgerEntry.objects.filter(citizen=penalised, kind="rule", delta__lt=0)
                   .values_list("rule_id", "expires_on"))
    assert dates == [("OWN-TRAFFIC-SERIOUS", datetime.date(2028, 3, 11)),
                     ("SN-DRUNK-DRIVING", datetime.date(2028, 3, 1)), ("SN-DRUNK-DRIVING", datetime.date(2028, 3, 21))]


def test_expiry_restores_points_once_never_twice(penalised):
    assert points_expire(today=datetime.date(2028, 2, 29)).entries == 0
    assert score(penalised) == (930, "B")
    first = points_expire(today=datetime.date(2028, 3, 11))
    assert (first.entries, first.citizens, first.points_restored) == (2, 1, 70)
    assert score(penalised) == (1000, "A")
    expired = LedgerEntry.objects.filter(citizen=penalised, kind="expiry").order_by("id")
    assert [(e.delta, e.reason) for e in expired] == [
        (50, "expired on 2028-03-01 under rule SN-DRUNK-DRIVING"),
        (20, "expired on 2028-03-11 under rule OWN-TRAFFIC-SERIOUS"),
    ]
    assert all(e.reverses.expires_on <= datetime.date(2028, 3, 11) for e in expired)
    again = points_expire(today=datetime.date(2028, 3, 11))
    assert (again.entries, again.points_restored) == (0, 0)
    assert score(penalised) == (1000, "A") and LedgerEntry.objects.filter(kind="expiry").count() == 2
    points_expire(today=datetime.date(2030, 1, 1))
    assert score(penalised) == (1050, "A")  # the last drunk-driving entry; the care points never expire
    assert LedgerEntry.objects.filter(kind="expiry").count() == 3
    assert ledger_verify().ok


def test_a_voided_event_does_not_expire_again(penalised):
    entry = LedgerEntry.objects.filter(citizen=penalised, rule_id="SN-DRUNK-DRIVING").order_by("id").first()
    event_void(event=entry.event, reason="appeal upheld", by="official")
    assert score(penalised) == (980, "A")
    report = points_expire(today=datetime.date(2028, 3, 1))
    assert report.entries == 0 and score(penalised) == (980, "A")


def test_an_expired_entry_is_not_reversed_again_by_a_later_void(penalised):
    points_expire(today=datetime.date(2028, 3, 1))
    entry = LedgerEntry.objects.get(citizen=penalised, kind="expiry").reverses
    assert event_void(event=entry.event, reason="late appeal", by="official") == []
    assert score(penalised) == (980, "A")


def test_expiry_sends_a_notice(penalised):
    points_expire(today=datetime.date(2028, 3, 1))
    notice = Notice.objects.filter(citizen=penalised).latest("id")
    assert notice.kind == "expiry" and (notice.score_before, notice.score_after) == (930, 980)
    assert (notice.grade_before, notice.grade_after) == ("B", "A")
    assert re.search(r"“Conviction for drunk driving” of [-\d]+ stopped counting on 2028-03-01", notice.body)


def test_command_is_idempotent_and_reports(penalised):
    out = io.StringIO()
    call_command("expire_points", "--date", "2028-03-11", "--no-progress", stdout=out, stderr=io.StringIO())
    assert "Expired 2 entries for 1 citizens on 2028-03-11; +70 points restored" in out.getvalue()
    out = io.StringIO()
    call_command("expire_points", "--date", "2028-03-11", stdout=out, stderr=io.StringIO())
    assert "Expired 0 entries for 0 citizens" in out.getvalue()
    assert score(penalised) == (1000, "A")
