import datetime

import pytest
from django.core.exceptions import ValidationError

from citizens.synthetic import people, resident_id
from citizens.validators import check_character, resident_id_problem, validate_resident_id

# A published example number (GB 11643 worked example) and its check character.
KNOWN_VALID = "11010519491231002X"


def test_known_example_number_is_valid():
    assert check_character(KNOWN_VALID[:17]) == "X"
    assert resident_id_problem(KNOWN_VALID) is None


@pytest.mark.parametrize("value, problem", [
    ("11010519491231002", "must be 18 characters"),
    ("110105194912310021", "check character does not match (ISO 7064 MOD 11-2)"),
    ("1101051949123100AX", "must be 17 digits followed by a digit or X"),
    ("11010519491331002X", "embedded birth date is not a real date"),
    ("11010518491231002X", "embedded birth date is out of range"),
    (None, "must be 18 characters"),
])
def test_invalid_numbers_say_why(value, problem):
    assert resident_id_problem(value) == problem


def test_every_single_digit_change_is_caught():
    first17 = KNOWN_VALID[:17]
    for position in range(17):
        for digit in "0123456789":
            if digit == first17[position]:
                continue
            changed = first17[:position] + digit + first17[position + 1:] + KNOWN_VALID[17]
            assert resident_id_problem(changed) is not None, changed


def test_django_validator_raises_with_code():
    with pytest.raises(ValidationError) as info:
        validate_resident_id("110105194912310021")
    assert info.value.code == "invalid_resident_id"


def test_synthetic_people_have_valid_distinct_ids_and_matching_sex():
    generated = list(people(2000, seed=1))
    assert len({p["resident_id"] for p in generated}) == 2000
    for person in generated:
        assert resident_id_problem(person["resident_id"]) is None
        assert (int(person["resident_id"][16]) % 2 == 1) == (person["sex"] == "M")
        assert person["resident_id"][6:14] == person["birth_date"].strftime("%Y%m%d")


def test_synthetic_generator_is_deterministic():
    assert list(people(50, seed=9)) == list(people(50, seed=9))
    assert resident_id(datetime.date(2000, 2, 29), 3, "F")[6:14] == "20000229"
