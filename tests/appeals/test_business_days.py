"""Deadlines in working days: a calendar of weekends, the policy's public holidays and its adjusted
working days (调休), and a source answer day counted over the 2026 Spring Festival."""
import datetime
import zoneinfo

import pytest
import time_machine

from appeals.services import appeal_file, appeals_deadlines
from rules import registry
from rules.calendar import add_working_days, due_date, is_working_day
from rules.errors import PolicyError
from rules.loader import load_policy
from tests.fixtures.reporting import report  # noqa: F401, F811 (fixture)
from tests.rules.conftest import SHIPPED, shipped_files

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
SHIPPED_POLICY = load_policy(SHIPPED)
HOLIDAYS, WORKING = SHIPPED_POLICY.holidays, SHIPPED_POLICY.working_days


def test_weekends_holidays_and_adjusted_working_days():
    assert not is_working_day(datetime.date(2026, 2, 16), holidays=HOLIDAYS)  # Spring Festival, a Monday
    assert is_working_day(datetime.date(2026, 2, 14), holidays=HOLIDAYS, working_days=WORKING)  # 调休 Saturday
    assert not is_working_day(datetime.date(2026, 2, 21), holidays=HOLIDAYS, working_days=WORKING)  # Saturday
    assert is_working_day(datetime.date(2026, 2, 24), holidays=HOLIDAYS, working_days=WORKING)


def test_five_business_days_over_the_spring_festival():
    thursday = datetime.date(2026, 2, 12)
    # Fri 13, Sat 14 (worked), then nine days off (15-23 Feb), Tue 24, Wed 25, Thu 26.
    assert add_working_days(thursday, 5, holidays=HOLIDAYS, working_days=WORKING) == datetime.date(2026, 2, 26)
    assert add_working_days(thursday, 5) == datetime.date(2026, 2, 19)  # weekends only
    assert due_date(thursday, 5, business=False, holidays=HOLIDAYS) == datetime.date(2026, 2, 17)
    assert add_working_days(datetime.date(2026, 9, 18), 1, holidays=HOLIDAYS, working_days=WORKING) == \
        datetime.date(2026, 9, 20)  # the Sunday worked before National Day
    with pytest.raises(ValueError):
        add_working_days(thursday, 0)


@pytest.fixture
def business_day_policy(tmp_path, settings):
    """The shipped policy with the source's answer in 5 business days (FCRA §611's forwarding time)."""
    for name, text in shipped_files().items():
        if name == "grades.yaml":
            text = text.replace("source_answer_days: 10 ", "source_answer_days: 5  ").replace(
                "business_days: []", "business_days: [source_answer_days]")
        (tmp_path / name).write_text(text, encoding="utf-8")
    settings.POLICY_DIR = tmp_path
    registry.reset()
    yield registry.current_policy()
    registry.reset()


def test_the_source_answers_within_five_business_days_across_the_holiday(business_day_policy, make_citizen, report):  # noqa: F811
    assert business_day_policy.business_day_deadlines == {"source_answer_days"}
    filed_at = datetime.datetime(2026, 2, 12, 10, 0, tzinfo=SHANGHAI)
    citizen = make_citizen()
    with time_machine.travel(filed_at, tick=False) as clock:
        event = report(citizen, "drunk_driving_conviction", occurred_at=filed_at - datetime.timedelta(days=3)).event
        appeal = appeal_file(event=event, grounds="Not me.", by="clerk")
        assert appeal.source_due == datetime.date(2026, 2, 26)
        assert appeal.deadline == datetime.date(2026, 3, 14)  # the office's 30 days stay calendar days
        clock.move_to(datetime.datetime(2026, 2, 26, 23, 0, tzinfo=SHANGHAI))
        assert appeals_deadlines() == []  # still the court's day, though 14 calendar days have passed
        clock.move_to(datetime.datetime(2026, 2, 27, 0, 30, tzinfo=SHANGHAI))
        assert [a.pk for a in appeals_deadlines()] == [appeal.pk]


GRADES = shipped_files()["grades.yaml"]
HOLIDAY_LIST = GRADES[GRADES.index("holidays: ["):GRADES.index("]", GRADES.index("holidays: [")) + 1]


@pytest.mark.parametrize(("old", "new", "message"), [
    ("business_days: []", "business_days: [grace_days]", "'business_days' lists 'grace_days', which is not one of"),
    ("working_days: [2026-01-04,", "working_days: [2026-02-16,", "working day 2026-02-16 is a Monday"),
    ("working_days: [2026-01-04,", "working_days: [2026-02-14,", "2026-02-14 is listed twice in 'working_days'"),
    (HOLIDAY_LIST, "holidays: [2026-02-14]", "listed both in 'holidays' and in 'working_days'"),
    (HOLIDAY_LIST, "holidays: [2026-02-30]", "invalid value"),
    (HOLIDAY_LIST, "holidays: [soon]", "items of 'holidays' must be dates written YYYY-MM-DD"),
])
def test_a_bad_calendar_is_refused_with_its_line(tmp_path, old, new, message):
    files = shipped_files()
    assert old in files["grades.yaml"]
    files["grades.yaml"] = files["grades.yaml"].replace(old, new)
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as error:
        load_policy(tmp_path)
    problems = [p for p in error.value.problems if message in p.message]
    assert problems and problems[0].file == "grades.yaml", error.value.problems
    key = "working_days:" if "working_days" in message else new.split(":")[0] + ":"
    assert problems[0].line == files["grades.yaml"].splitlines().index(
        next(row for row in files["grades.yaml"].splitlines() if row.startswith(key))) + 1
