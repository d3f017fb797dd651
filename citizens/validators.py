"""Validation of resident identity card numbers (GB 11643-1999).

A number is 6 digits of region code (GB/T 2260), 8 of birth date, 3 of sequence and a check character.
The region code must be one GB/T 2260 has ever assigned (python-stdnum's table, ``stdnum/cn/loc.dat``),
in any period: a register holds people born before their county's current code was assigned (Suining's
320324 dates from 1983, yet residents born in 1950 hold 320324 numbers issued later), so stdnum's own
``cn.ric.validate``, which requires the birth year to fall inside the code's period, would refuse real
residents (docs/admin.md, "Resident ID numbers").
"""
import datetime
import functools

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK_CHARS = "10X98765432"


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalize_resident_id(value):
    """The ID as the register stores it: surrounding spaces dropped, a final lowercase ``x`` made ``X``.

    Anything that is not a string is returned unchanged (the validator then says what is wrong)."""
    return value.strip().upper() if isinstance(value, str) else value


def birth_date_from_resident_id(value: str) -> datetime.date:
    """The birth date embedded in characters 7-14 (YYYYMMDD)."""
    return datetime.datetime.strptime(value[6:14], "%Y%m%d").date()


@functools.lru_cache(maxsize=4096)
def region_names(code: str) -> tuple[str, ...]:
    """The names GB/T 2260 has given the six-digit region ``code`` over time, oldest first; () if none.

    ``320324`` gives ``("睢宁县",)``; ``320311`` gives ``("郊区", "泉山区")``; ``000000`` gives ``()``."""
    from stdnum import numdb

    found = {key: value for _part, props in numdb.get("cn/loc").info(code) for key, value in props.items()}
    county = found.get("county", "")
    return tuple(name.split("]")[-1] for name in county.split(",") if name)


def resident_id_problem(value) -> str | None:
    """Why ``value`` is not a valid resident ID number, or None if it is."""
    if not isinstance(value, str) or len(value) != 18:
        return _("must be 18 characters")
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return _("must be 17 digits followed by a digit or X")
    if not region_names(value[:6]):
        return _("region code %(code)s is not a GB/T 2260 county or district code") % {"code": value[:6]}
    try:
        born = birth_date_from_resident_id(value)
    except ValueError:
        return _("embedded birth date is not a real date")
    if born.year < 1900 or born > datetime.date.today():
        return _("embedded birth date is out of range")
    if check_character(value[:17]) != value[17]:
        return _("check character does not match (ISO 7064 MOD 11-2)")
    return None


def validate_resident_id(value):
    """Django validator: raise ValidationError for an invalid resident ID number."""
    problem = resident_id_problem(value)
    if problem:
        raise ValidationError(_("Invalid resident ID number: %(problem)s.") % {"problem": problem},
                              code="invalid_resident_id")
