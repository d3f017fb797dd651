"""Validation of resident identity card numbers (GB 11643-1999)."""
import datetime

from django.core.exceptions import ValidationError

_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK_CHARS = "10X98765432"


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def birth_date_from_resident_id(value: str) -> datetime.date:
    """The birth date embedded in characters 7-14 (YYYYMMDD)."""
    return datetime.datetime.strptime(value[6:14], "%Y%m%d").date()


def resident_id_problem(value) -> str | None:
    """Why ``value`` is not a valid resident ID number, or None if it is."""
    if not isinstance(value, str) or len(value) != 18:
        return "must be 18 characters"
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return "must be 17 digits followed by a digit or X"
    try:
        born = birth_date_from_resident_id(value)
    except ValueError:
        return "embedded birth date is not a real date"
    if born.year < 1900 or born > datetime.date.today():
        return "embedded birth date is out of range"
    if check_character(value[:17]) != value[17]:
        return "check character does not match (ISO 7064 MOD 11-2)"
    return None


def validate_resident_id(value):
    """Django validator: raise ValidationError for an invalid resident ID number."""
    problem = resident_id_problem(value)
    if problem:
        raise ValidationError(f"Invalid resident ID number: {problem}.", code="invalid_resident_id")
