import datetime as dt

import pytest

from rules.ast import And, Compare, Field, InList, Literal, Not, Or, Presence, to_source
from rules.grammar import ConditionSyntaxError, parse_condition


def cmp(path, op, value, kind):
    return Compare(Field(path), op, Literal(value, kind))


def test_and_binds_tighter_than_or():
    tree = parse_condition("event.a == 1 or event.b == 2 and event.c == 3")
    assert tree == Or((cmp("event.a", "==", 1, "int"), And((cmp("event.b", "==", 2, "int"),
                                                             cmp("event.c", "==", 3, "int")))))


def test_not_binds_tighter_than_and():
    tree = parse_condition("not event.a and event.b")
    assert tree == And((Not(cmp("event.a", "==", True, "bool")), cmp("event.b", "==", True, "bool")))


def test_parentheses_override_precedence():
    tree = parse_condition("(event.a == 1 or event.b == 2) and event.c == 3")
    assert tree == And((Or((cmp("event.a", "==", 1, "int"), cmp("event.b", "==", 2, "int"))),
                        cmp("event.c", "==", 3, "int")))


def test_chains_are_flat():
    tree = parse_condition("event.a and event.b and event.c")
    assert isinstance(tree, And) and len(tree.items) == 3


@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">="])
def test_comparison_operators(op):
    assert parse_condition(f"citizen.age {op} 18") == cmp("citizen.age", op, 18, "int")


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("7", 7, "int"),
        ("-7", -7, "int"),
        ("2.5", 2.5, "float"),
        ("'minor'", "minor", "str"),
        ('"minor"', "minor", "str"),
        ("'it\\'s'", "it's", "str"),
        ("true", True, "bool"),
        ("false", False, "bool"),
        ("null", None, "null"),
        ("2024-01-31", dt.date(2024, 1, 31), "date"),
    ],
)
def test_literals(text, value, kind):
    tree = parse_condition(f"event.x == {text}")
    assert tree.value == Literal(value, kind)
    assert type(tree.value.value) is type(value)


def test_in_not_in_and_presence():
    assert parse_condition("event.s in ['a', 'b']") == InList(
        Field("event.s"), (Literal("a", "str"), Literal("b", "str")), False)
    assert parse_condition("event.s not in ['a']") == InList(Field("event.s"), (Literal("a", "str"),), True)
    assert parse_condition("event.s is present") == Presence(Field("event.s"), True)
    assert parse_condition("event.s is absent") == Presence(Field("event.s"), False)


def test_bare_field_means_equal_true():
    tree = parse_condition("event.media_reported")
    assert tree == cmp("event.media_reported", "==", True, "bool")
    assert tree.bare


def test_columns_point_at_the_text():
    tree = parse_condition("event.a == 1 and citizen.age >= 18")
    assert tree.items[1].col == 18
    assert tree.items[1].value.col == 33


@pytest.mark.parametrize(
    "text",
    [
        "event.a == 1 or not (event.b < 2.5 and citizen.grade in ['A', 'B'])",
        "event.d >= 2024-01-01 and event.s not in ['x', 'y\\'z'] and event.e is absent",
        "not not event.flag",
    ],
)
def test_to_source_round_trips(text):
    tree = parse_condition(text)
    assert parse_condition(to_source(tree)) == tree


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("event.a ==",
         "cannot parse condition at column 11: Expected a value, found the end of the condition"),
        ("event.a = 1", "cannot parse condition at column 9: Expected 'and', 'or', ')' or the end of the "
                        "condition, found '='"),
        ("media_reported", "cannot parse condition at column 1: Expected a test such as event.x == 1, "
                           "found 'media_reported'"),
        ("event.a == 1 and", "cannot parse condition at column 17: Expected a test such as event.x == 1, "
                             "found the end of the condition"),
        ("(event.a == 1",
         "cannot parse condition at column 14: Expected ')', found the end of the condition"),
        ("event.a == 1)", "cannot parse condition at column 13: ')' without a matching '('"),
        ("event.a is there",
         "cannot parse condition at column 12: Expected present or absent, found 'there'"),
        ("event.a in 3", "cannot parse condition at column 12: Expected a list [...], found '3'"),
        ("event.d == 2024-02-30", "cannot parse condition at column 12: invalid date '2024-02-30'"),
        ("event.a == 1e5", "cannot parse condition at column 12: Expected a value, found '1e5'"),
        ("event.a == truex", "cannot parse condition at column 12: Expected a value, found 'truex'"),
        ("__import__('os')", "cannot parse condition at column 1: Expected a test such as event.x == 1, "
                             "found \"__import__('os')\""),
        ("   ", "empty condition"),
    ],
)
def test_parse_errors_name_text_and_column(text, message):
    with pytest.raises(ConditionSyntaxError) as info:
        parse_condition(text)
    assert str(info.value) == message
