"""Working days: deadlines counted in business days over a calendar of non-working days.

Pure functions, no database and no clock: the non-working days are Saturdays and Sundays plus the
policy's ``holidays``, except the policy's ``working_days`` (weekend days made working days, such as
the adjusted working days 调休 around Chinese public holidays).
"""
import datetime as dt
from collections.abc import Collection

SATURDAY = 5  # date.weekday(): Monday is 0


def is_working_day(day: dt.date, *, holidays: Collection[dt.date] = (),
                   working_days: Collection[dt.date] = ()) -> bool:
    if day in working_days:
        return True
    return day.weekday() < SATURDAY and day not in holidays


def add_working_days(start: dt.date, days: int, *, holidays: Collection[dt.date] = (),
                     working_days: Collection[dt.date] = ()) -> dt.date:
    """The ``days``-th working day after ``start`` (``start`` itself is not counted): the last day
    of "within N business days" from ``start``."""
    if days < 1:
        raise ValueError("days must be at least 1")
    day, counted = start, 0
    while counted < days:
        day += dt.timedelta(days=1)
        counted += is_working_day(day, holidays=holidays, working_days=working_days)
    return day


def due_date(start: dt.date, days: int, *, business: bool, holidays: Collection[dt.date] = (),
             working_days: Collection[dt.date] = ()) -> dt.date:
    """The last day of a period of ``days`` from ``start``: working days when ``business``, else
    calendar days (which may end on any day)."""
    if business:
        return add_working_days(start, days, holidays=holidays, working_days=working_days)
    return start + dt.timedelta(days=days)
