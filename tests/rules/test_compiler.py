import datetime as dt

import pytest

from rules.compiler import compile_condition, compile_rule, count_groups, max_paths
from rules.grammar import parse_condition


@pytest.mark.parametrize(
    ("text", "golden"),
    [
        ("event.n == 1", {"event.n": 1}),
        ("event.n != 1", {"$neq": {"event.n": 1}}),
        ("event.n < 1", {"$lt": {"event.n": 1}}),
        ("event.n <= 1", {"$lte": {"event.n": 1}}),
        ("event.n > 1", {"$gt": {"event.n": 1}}),
        ("event.n >= 1", {"$gte": {"event.n": 1}}),
        ("event.flag", {"event.flag": True}),
        ("event.n is present", {"$ex": {"event.n": 1}}),
        ("event.n is absent", {"$nex": {"event.n": 1}}),
        ("event.n == null", {"$nex": {"event.n": 1}}),
        ("event.n != null", {"$ex": {"event.n": 1}}),
        ("event.d >= 2024-01-01", {"$gte": {"event.d": 19723}}),
        ("event.s in ['a', 'b', 'a']", {"$or": [{"event.s": "a"}, {"event.s": "b"}]}),
        ("event.s not in ['a', 'b']",
         {"$or": [{"$nex": {"event.s": 1}},
                  {"$and": [{"$neq": {"event.s": "a"}}, {"$neq": {"event.s": "b"}}]}]}),
        ("not event.n < 8", {"$or": [{"$nex": {"event.n": 1}}, {"$gte": {"event.n": 8}}]}),
        ("not event.flag", {"$or": [{"$nex": {"event.flag": 1}}, {"$neq": {"event.flag": True}}]}),
        ("not (event.n == 1 and citizen.age >= 18)",
         {"$or": [{"$nex": {"event.n": 1}}, {"$neq": {"event.n": 1}},
                  {"$nex": {"citizen.age": 1}}, {"$lt": {"citizen.age": 18}}]}),
        ("not (event.n == 1 or event.s in ['a'])",
         {"$and": [{"$or": [{"$nex": {"event.n": 1}}, {"$neq": {"event.n": 1}}]},
                   {"$or": [{"$nex": {"event.s": 1}}, {"$neq": {"event.s": "a"}}]}]}),
        ("not not event.flag", {"event.flag": True}),
        ("(event.a or event.b) or (event.c and event.d)",
         {"$or": [{"event.a": True}, {"event.b": True}, {"$and": [{"event.c": True}, {"event.d": True}]}]}),
    ],
)
def test_golden_conditions(text, golden):
    assert compile_condition(parse_condition(text)) == golden


def test_rule_wraps_discriminator_and_dates():
    compiled = compile_rule("volunteering", parse_condition("event.hours >= 8 and event.x == 1"),
                            dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert compiled == {"$and": [
        {"event_type": "volunteering"},
        {"$gte": {"occurred_day": 19723}},
        {"$lte": {"occurred_day": 20088}},
        {"$gte": {"event.hours": 8}},
        {"event.x": 1},
    ]}


def test_rule_without_condition_or_dates_is_only_the_discriminator():
    assert compile_rule("blood_donation", None, None, None) == {"event_type": "blood_donation"}


def test_limits_are_measured():
    compiled = compile_condition(parse_condition("(event.a or event.b) and (event.c or event.d or event.e)"))
    assert count_groups(compiled) == 3
    assert max_paths(compiled) == 6
    # Equalities on one field cannot be true together, nor can 'absent' and a comparison.
    assert max_paths(compile_condition(parse_condition("event.s in ['a', 'b', 'c']"))) == 1
    assert max_paths(compile_condition(parse_condition("not event.n < 3"))) == 1
