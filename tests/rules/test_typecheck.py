import pytest

from rules.grammar import parse_condition
from rules.schema import FieldType
from rules.typecheck import check_condition

FIELDS = {
    "event.n": FieldType("int"),
    "event.x": FieldType("float"),
    "event.s": FieldType("str"),
    "event.level": FieldType("str", ("minor", "serious")),
    "event.flag": FieldType("bool"),
    "event.d": FieldType("date"),
    "citizen.age": FieldType("int"),
    "citizen.sex": FieldType("str", ("M", "F")),
}


def issues(text):
    return [tuple(i) for i in check_condition(parse_condition(text), FIELDS)]


@pytest.mark.parametrize(
    "text",
    [
        "event.n >= 8 and event.x < 2.5",
        "event.n == 3.0",
        "event.s != 'a' or event.flag == false",
        "event.level in ['minor', 'serious']",
        "event.d >= 2024-01-01",
        "event.s == null and event.n != null",
        "not event.flag and citizen.sex == 'F' and citizen.age is present",
    ],
)
def test_well_typed_conditions_pass(text):
    assert issues(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("event.nope == 1", (1, "unknown field 'event.nope' (known event fields: event.d, event.flag, "
                               "event.level, event.n, event.s, event.x)")),
        ("citizen.spouse_score > 1", (1, "unknown field 'citizen.spouse_score' (known citizen fields: "
                                         "citizen.age, citizen.sex)")),
        ("person.age > 1",
         (1, "unknown field 'person.age': fields are event.<attribute> or citizen.<attribute>")),
        ("event.n.x == 1",
         (1, "unknown field 'event.n.x': fields are event.<attribute> or citizen.<attribute>")),
        ("event.flag == 1", (15, "cannot compare bool field 'event.flag' with number 1")),
        ("event.n == true", (12, "cannot compare int field 'event.n' with boolean true")),
        ("event.n == '100'", (12, "cannot compare int field 'event.n' with string '100'")),
        ("event.s < 'b'", (1, "ordering (<) is not defined for str field 'event.s'")),
        ("event.flag >= true", (1, "ordering (>=) is not defined for bool field 'event.flag'")),
        ("event.n in [1, 'a']", (1, "list for 'event.n' mixes types: number, str")),
        ("event.s in ['a', 2]", (1, "list for 'event.s' mixes types: number, str")),
        ("event.n in [1, 2.5, true]", (1, "list for 'event.n' mixes types: bool, number")),
        ("event.s in [1]", (13, "cannot compare str field 'event.s' with number 1")),
        ("event.s in []", (1, "empty list after 'in'")),
        ("event.s in [null]", (13, "null is not allowed in a list: use 'is absent'")),
        ("event.n > 2024-01-01", (11, "date literal 2024-01-01 is only valid against date fields; "
                                      "'event.n' is int")),
        ("event.d == 5", (12, "cannot compare date field 'event.d' with number 5")),
        ("event.n < null", (11, "null can only be compared with == or !=, not <")),
        ("event.n", (1, "'event.n' is int, not bool: write a comparison")),
        ("event.level == 'sever'",
         (16, "'sever' is not a possible value of 'event.level' ('minor', 'serious')")),
        ("citizen.sex == 'X'", (16, "'X' is not a possible value of 'citizen.sex' ('M', 'F')")),
        ("event.x > 0.00001", (11, "number 1e-05 is out of range (use 0.0001 .. 1e15)")),
        ("event.n > 99999999999999999999", (11, "integer 99999999999999999999 is out of range")),
    ],
)
def test_type_errors(text, expected):
    assert issues(text) == [expected]


def test_all_errors_are_reported():
    found = issues("event.nope == 1 or (event.flag == 2 and event.s > 'a')")
    assert [col for col, _ in found] == [1, 35, 41]
