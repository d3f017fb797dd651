"""grades.yaml: starting points, floor and ceiling, grade bands and the due-process deadlines.

``appeal_deadline_days``: days the points office has to decide an appeal, from filing;
``source_answer_days``: days the reporting agency has to confirm or withdraw a disputed report;
``citizen_filing_days``: days a citizen has to appeal, from the report (later only with an
official's written reason).

``business_days``: which of these deadlines count working days instead of calendar days;
``holidays``: public holidays (non-working, besides Saturdays and Sundays); ``working_days``:
weekend days that are working days (the adjusted working days 调休). See ``rules.calendar``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import yaml
from django.utils.translation import gettext

from rules.loading.reader import FileReader
from rules.policy import GradeBand

GRADE = re.compile(r"^[A-Z][A-Z0-9+-]{0,3}$")
DEADLINES = {"appeal_deadline_days": 30, "source_answer_days": 10, "citizen_filing_days": 60}
CALENDAR = ("business_days", "holidays", "working_days")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class GradesSection:
    starting_points: int = 0
    floor: int | None = None
    ceiling: int | None = None
    appeal_deadline_days: int = 30
    source_answer_days: int = 10
    citizen_filing_days: int = 60
    bands: list[GradeBand] = field(default_factory=list)
    business_days: frozenset = frozenset()
    holidays: frozenset = frozenset()
    working_days: frozenset = frozenset()


def load_grades(reader: FileReader, root) -> GradesSection:
    section = GradesSection()
    top = reader.mapping(root, "grades.yaml")
    if top is None:
        return section
    top.expect(("starting_points", "grades"), ("floor", "ceiling", *DEADLINES, *CALENDAR))
    section.starting_points = top.integer("starting_points", 0)
    section.floor = top.optional_integer("floor")
    section.ceiling = top.optional_integer("ceiling")
    for name, default in DEADLINES.items():
        days = top.integer(name, default)
        if days < 1:
            top.error(top.value_node(name), gettext("'%(name)s' must be at least 1") % {"name": name})
        setattr(section, name, days)
    _check_limits(top, section)
    _calendar(reader, top, section)
    section.bands = _bands(reader, top.value_node("grades"))
    _check_bands(reader, top.value_node("grades"), section)
    return section


def _calendar(reader: FileReader, top, section: GradesSection) -> None:
    """The deadlines counted in working days, and the days that are or are not working days."""
    names = set()
    for name, node in top.string_list("business_days") or []:
        if name not in DEADLINES:
            top.error(node, f"'business_days' lists '{name}', which is not one of {', '.join(DEADLINES)}")
        names.add(name)
    section.business_days = frozenset(names)
    section.holidays = frozenset(_dates(reader, top, "holidays"))
    working = _dates(reader, top, "working_days")
    for day, node in working.items():
        if day.weekday() < 5:
            top.error(node, f"working day {day} is a {day:%A}: 'working_days' lists weekend days made working days")
        elif day in section.holidays:
            top.error(node, f"{day} is listed both in 'holidays' and in 'working_days'")
    section.working_days = frozenset(working)


def _dates(reader: FileReader, top, key: str) -> dict:
    node = top.value_node(key)
    if node is None:
        return {}
    if not isinstance(node, yaml.SequenceNode):
        top.error(node, f"'{key}' must be a list of dates written YYYY-MM-DD")
        return {}
    days = {}
    for item in node.value:
        value = reader.value(item)
        if isinstance(value, str) and _ISO_DATE.match(value):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                pass
        if type(value) is not dt.date:
            top.error(item, f"items of '{key}' must be dates written YYYY-MM-DD, not {value!r}")
        elif value in days:
            top.error(item, f"{value} is listed twice in '{key}'")
        else:
            days[value] = item
    return days


def _check_limits(top, section: GradesSection) -> None:
    low, high, start = section.floor, section.ceiling, section.starting_points
    if low is not None and high is not None and low >= high:
        top.error(
            top.value_node("ceiling"),
            gettext("ceiling (%(high)s) must be above floor (%(low)s)") % {"high": high, "low": low},
        )
    elif (low is not None and start < low) or (high is not None and start > high):
        top.error(
            top.value_node("starting_points"),
            gettext("starting_points (%(start)s) lies outside floor..ceiling") % {"start": start},
        )


def _bands(reader: FileReader, node) -> list[GradeBand]:
    if node is None:
        return []
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        reader.report(node, gettext("'grades' must be a non-empty list of bands, best grade first"))
        return []
    bands = []
    for item in node.value:
        fields = reader.mapping(item, "a grade band")
        if fields is None:
            continue
        fields.expect(("grade",), ("min", "max"))
        grade = fields.text("grade")
        if grade is not None and not GRADE.match(grade):
            fields.error(
                fields.value_node("grade"),
                gettext("grade '%(grade)s' must be a capital letter such as A") % {"grade": grade},
            )
            continue
        if grade is not None:
            line = item.start_mark.line + 1
            bands.append(
                GradeBand(grade, fields.optional_integer("min"), fields.optional_integer("max"), reader.file, line)
            )
    return bands


def _check_bands(reader: FileReader, node, section: GradesSection) -> None:
    """Bands go from best to worst and cover every score exactly once."""
    bands = section.bands
    seen: set[str] = set()
    for band in bands:
        where = (band.line, 1)
        if band.grade in seen:
            reader.report(where, gettext("grade '%(grade)s' is listed twice") % {"grade": band.grade})
        seen.add(band.grade)
        if band.min is not None and band.max is not None and band.min > band.max:
            reader.report(
                where,
                gettext("grade %(grade)s: min %(min)s is above max %(max)s")
                % {"grade": band.grade, "min": band.min, "max": band.max},
            )
    for upper, lower in zip(bands, bands[1:], strict=False):
        _check_neighbours(reader, upper, lower)
    if not bands:
        return
    best, worst = bands[0], bands[-1]
    if best.max is not None and (section.ceiling is None or best.max < section.ceiling):
        reader.report(
            (best.line, 1),
            gettext("grade %(grade)s must have no max (higher scores have no grade)") % {"grade": best.grade},
        )
    if worst.min is not None and (section.floor is None or worst.min > section.floor):
        reader.report(
            (worst.line, 1),
            gettext("grade %(grade)s must have no min (lower scores have no grade)") % {"grade": worst.grade},
        )


def _check_neighbours(reader: FileReader, upper: GradeBand, lower: GradeBand) -> None:
    where = (lower.line, 1)
    if upper.min is None or lower.max is None:
        reader.report(
            where,
            gettext(
                "grades %(grade)s and %(grade2)s overlap: only the best grade may lack a max and only the "
                "worst may lack a min"
            )
            % {"grade": upper.grade, "grade2": lower.grade},
        )
    elif lower.max >= upper.min:
        reader.report(
            where,
            gettext(
                "grades %(grade)s and %(grade2)s overlap or are out of order: %(grade2)s max %(max)s is not "
                "below %(grade)s min %(min)s"
            )
            % {"grade": upper.grade, "grade2": lower.grade, "max": lower.max, "min": upper.min},
        )
    elif lower.max + 1 != upper.min:
        reader.report(
            where,
            gettext("gap between grades %(grade)s and %(grade2)s: scores %(max_1)s..%(min_1)s have no grade")
            % {"grade": upper.grade, "grade2": lower.grade, "max_1": lower.max + 1, "min_1": upper.min - 1},
        )
