"""Small value helpers: epoch days, ages and durations such as '3y', '18m', '90d'."""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_DURATION = re.compile(r"^([1-9][0-9]{0,3})([ymd])$")


def epoch_days(day: dt.date) -> int:
    """Days since 1970-01-01: durable-rules cannot carry dates, so rules compare these numbers."""
    return day.toordinal() - _EPOCH_ORDINAL


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Whole years of age on ``day`` (the value of ``citizen.age`` for an event on that day)."""
    had_birthday = (day.month, day.day) >= (birth_date.month, birth_date.day)
    return day.year - birth_date.year - (0 if had_birthday else 1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class Duration:
    """A period written as '<n>y', '<n>m' or '<n>d' (years, months, days)."""

    amount: int
    unit: str

    @classmethod
    def parse(cls, text: str) -> Duration:
        match = _DURATION.match(text)
        if not match:
            raise ValueError(f"invalid duration {text!r}: write e.g. '3y', '18m' or '90d'")
        return cls(int(match.group(1)), match.group(2))

    def after(self, day: dt.date) -> dt.date:
        """The date this period after ``day`` (month ends are clamped: Jan 31 + 1m = Feb 28/29)."""
        if self.unit == "d":
            return day + dt.timedelta(days=self.amount)
        return _add_months(day, self.amount * (12 if self.unit == "y" else 1))

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"
