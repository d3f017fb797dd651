"""The durable-rules engine on the shipped policy and on small policies."""
import datetime as dt

import pytest

import rules.engine as engine_module
from rules.engine import DurableEngine
from rules.errors import AttributeValidationError, CitizenFactsError, RulesEngineError, UnknownEventTypeError
from rules.loader import policy_from_files

from .conftest import shipped_files

DAY = dt.date(2024, 6, 1)
CITIZEN = {"age": 40, "district": "Chuanshan", "sex": "F", "score": 1000, "grade": "A", "status": "active"}


def ids(rules):
    return [r.id for r in rules]


@pytest.mark.parametrize(
    ("event_type", "attributes", "expected", "points"),
    [
        ("elderly_care", {"months": 6}, ["SN-ELDERLY-CARE"], 50),
        ("helping_poor", {}, ["SN-HELP-POOR"], 10),
        ("helping_poor", {"media_reported": False}, ["SN-HELP-POOR"], 10),
        ("helping_poor", {"media_reported": True}, ["SN-HELP-POOR-MEDIA"], 15),
        ("drunk_driving_conviction", {"case_number": "2024-1"}, ["SN-DRUNK-DRIVING"], -50),
        ("bribery_conviction", {"case_number": "2024-2"}, ["SN-BRIBERY"], -50),
        ("traffic_violation", {"severity": "minor"}, ["OWN-TRAFFIC-MINOR"], -5),
        ("traffic_violation", {"severity": "serious"}, ["OWN-TRAFFIC-SERIOUS"], -20),
        ("volunteering", {"hours": 8}, ["OWN-VOLUNTEERING"], 5),
        ("unpaid_court_judgment", {"case_number": "x"}, ["OWN-UNPAID-JUDGMENT"], -30),
        ("blood_donation", {}, ["OWN-BLOOD-DONATION"], 10),
        ("official_adjustment", {"points": -120, "reason": "appeal upheld"}, ["SYS-ADJUSTMENT"], -120),
    ],
)
def test_each_shipped_rule_matches_its_event(shipped, event_type, attributes, expected, points):
    attributes = shipped.validate_attributes(event_type, attributes)
    matched = shipped.evaluate(event_type, attributes, CITIZEN, DAY)
    assert ids(matched) == expected
    assert matched[0].points_for(attributes) == points


def test_volunteering_below_eight_hours_scores_nothing(shipped):
    assert shipped.evaluate("volunteering", {"hours": 7.5}, CITIZEN, DAY) == []
    assert ids(shipped.evaluate("volunteering", {"hours": 8.0}, CITIZEN, DAY)) == ["OWN-VOLUNTEERING"]


def test_rules_are_not_in_force_before_effective_from(shipped):
    assert shipped.evaluate("elderly_care", {"months": 6}, CITIZEN, dt.date(2023, 12, 31)) == []
    matched = shipped.evaluate("elderly_care", {"months": 6}, CITIZEN, dt.date(2024, 1, 1))
    assert ids(matched) == ["SN-ELDERLY-CARE"]


def test_rules_of_other_event_types_never_fire(shipped):
    for event_type in shipped.event_types:
        matched = shipped.evaluate(event_type, _sample(shipped, event_type), CITIZEN, DAY)
        assert {r.event_type for r in matched} <= {event_type}


def _sample(policy, event_type):
    values = {"int": 1, "float": 8.0, "str": "x", "bool": True, "date": DAY}
    out = {}
    for name, spec in policy.event_types[event_type].attributes.items():
        out[name] = spec.choices[0] if spec.choices else values[spec.type]
        if spec.min is not None:
            out[name] = max(out[name], spec.min)
    return out


def test_many_calls_do_not_leak_sessions(shipped):
    # durable allows 1,024 live sessions per ruleset: without delete_state the 1,025th call fails.
    for i in range(2000):
        matched = shipped.evaluate("helping_poor", {"media_reported": bool(i % 2)}, CITIZEN, DAY)
        assert ids(matched) == (["SN-HELP-POOR-MEDIA"] if i % 2 else ["SN-HELP-POOR"])


POLICY_RULES = """
rules:
  - id: R-ANY
    title: t
    explanation: e
    event_type: blood_donation
    points: 1
    legal_basis: b
  - id: R-YOUNG
    title: t
    explanation: e
    event_type: blood_donation
    when: citizen.age < 30 or citizen.district in ['Chuanshan', 'Anju']
    points: 2
    effective_from: 2024-01-01
    effective_to: 2024-12-31
    legal_basis: b
  - id: R-BIG
    title: t
    explanation: e
    event_type: blood_donation
    when: event.millilitres >= 400 or citizen.age < 30
    points: 3
    legal_basis: b
"""


@pytest.fixture
def small_policy():
    files = shipped_files()
    files["rules.yaml"] = POLICY_RULES
    policy = policy_from_files(files)
    yield policy
    policy.close()


def test_collect_returns_all_matches_in_policy_order_without_duplicates(small_policy):
    # R-BIG's 'or' has two true branches: durable fires it twice; we report it once.
    young = dict(CITIZEN, age=20)
    matched = small_policy.evaluate("blood_donation", {"millilitres": 450}, young, DAY)
    assert ids(matched) == ["R-ANY", "R-YOUNG", "R-BIG"]


def test_effective_to_is_inclusive(small_policy):
    young = dict(CITIZEN, age=20, district="Other")
    last_day = small_policy.evaluate("blood_donation", {}, young, dt.date(2024, 12, 31))
    assert ids(last_day) == ["R-ANY", "R-YOUNG", "R-BIG"]
    assert ids(small_policy.evaluate("blood_donation", {}, young, dt.date(2025, 1, 1))) == ["R-ANY", "R-BIG"]


def test_missing_citizen_facts_match_no_comparison(small_policy):
    assert ids(small_policy.evaluate("blood_donation", {}, {}, DAY)) == ["R-ANY"]
    assert ids(small_policy.evaluate("blood_donation", {}, {"age": None}, DAY)) == ["R-ANY"]


def test_sessions_do_not_share_state(small_policy):
    first = small_policy.evaluate("blood_donation", {"millilitres": 450}, dict(CITIZEN, age=20), DAY)
    second = small_policy.evaluate("blood_donation", {}, dict(CITIZEN, district="Other"), DAY)
    assert ids(first) == ["R-ANY", "R-YOUNG", "R-BIG"]
    assert ids(second) == ["R-ANY"]


@pytest.mark.parametrize(
    ("attributes", "citizen", "error"),
    [
        ({"millilitres": "450"}, CITIZEN, AttributeValidationError),
        ({"millilitres": True}, CITIZEN, AttributeValidationError),
        ({"colour": "red"}, CITIZEN, AttributeValidationError),
        ({}, dict(CITIZEN, age="40"), CitizenFactsError),
        ({}, dict(CITIZEN, age=True), CitizenFactsError),
        ({}, {"mother_score": 700}, CitizenFactsError),
    ],
)
def test_wrong_types_never_reach_the_engine(small_policy, attributes, citizen, error):
    with pytest.raises(error):
        small_policy.evaluate("blood_donation", attributes, citizen, DAY)


def test_unknown_event_type_and_datetime_are_refused(small_policy):
    with pytest.raises(UnknownEventTypeError):
        small_policy.evaluate("jaywalking", {}, CITIZEN, DAY)
    with pytest.raises(TypeError):
        small_policy.evaluate("blood_donation", {}, CITIZEN, dt.datetime(2024, 6, 1, 12, 0))


def test_event_type_without_rules_matches_nothing(small_policy):
    assert small_policy.evaluate("elderly_care", {"months": 3}, CITIZEN, DAY) == []


def test_floats_durable_cannot_parse_are_written_without_exponent():
    files = shipped_files()
    files["rules.yaml"] = """
rules:
  - id: TINY
    title: t
    explanation: e
    event_type: volunteering
    when: event.hours < 0.001
    points: 1
    legal_basis: b
"""
    engine = DurableEngine(policy_from_files(files))
    try:
        assert ids(engine.match("volunteering", {"hours": 1e-05}, {}, DAY)) == ["TINY"]
        assert engine.match("volunteering", {"hours": 1e20}, {}, DAY) == []
    finally:
        engine.close()


def test_close_frees_rulesets_and_refuses_further_calls(small_policy):
    engine = DurableEngine(small_policy)
    names = list(engine._names)
    host = engine_module._host()
    assert all(name in host._ruleset_directory for name in names)
    engine.close()
    assert not any(name in host._ruleset_directory for name in names)
    with pytest.raises(RulesEngineError):
        engine.match("blood_donation", {}, CITIZEN, DAY)


def test_engines_of_one_policy_coexist(small_policy):
    first, second = DurableEngine(small_policy), DurableEngine(small_policy)
    try:
        young = {"age": 20}
        assert ids(first.match("blood_donation", {}, young, DAY)) == ["R-ANY", "R-YOUNG", "R-BIG"]
        assert ids(second.match("blood_donation", {}, young, DAY)) == ["R-ANY", "R-YOUNG", "R-BIG"]
    finally:
        first.close()
        second.close()


def test_a_swallowed_action_exception_is_raised(small_policy, monkeypatch):
    def failing_recorder(index):
        def run(c):
            raise ValueError("boom")

        return run

    monkeypatch.setattr(engine_module, "_recorder", failing_recorder)
    engine = DurableEngine(small_policy)
    try:
        with pytest.raises(RulesEngineError, match="boom"):
            engine.match("blood_donation", {}, CITIZEN, DAY)
    finally:
        engine.close()


def test_sessions_where_no_rule_matched_are_deleted_safely(shipped):
    # durable frees an uninitialised action context when deleting a session in which no action
    # ran (the first such call crashed the process); the engine's catch-all rule prevents it.
    engine = DurableEngine(shipped)
    try:
        for i in range(1500):
            assert engine.match("volunteering", {"hours": 1.0}, {}, DAY) == []
            assert engine.match("elderly_care", {"months": 1}, {}, dt.date(2020, 1, 1)) == []
            if i % 100 == 0:
                assert ids(engine.match("volunteering", {"hours": 9.0}, {}, DAY)) == ["OWN-VOLUNTEERING"]
    finally:
        engine.close()


def test_the_largest_condition_the_checker_allows_runs():
    # 63 comparisons that all hold at once: durable's 64-entry stack holds them plus the catch-all rule.
    files = shipped_files()
    when = " or ".join(f"event.hours > {i}" for i in range(-63, 0))
    files["rules.yaml"] = POLICY_RULES.replace("event_type: blood_donation\n    points: 1",
                                               f"event_type: volunteering\n    when: {when}\n    points: 1")
    policy = policy_from_files(files)
    try:
        assert ids(policy.evaluate("volunteering", {"hours": 1.0}, {}, DAY)) == ["R-ANY"]
    finally:
        policy.close()


def test_concurrent_callers_get_their_own_results(small_policy):
    import threading

    failures = []

    def worker(age, expected):
        for _ in range(300):
            got = ids(small_policy.evaluate("blood_donation", {"millilitres": 100}, {"age": age}, DAY))
            if got != expected:
                failures.append(got)

    threads = [threading.Thread(target=worker, args=(20, ["R-ANY", "R-YOUNG", "R-BIG"])),
               threading.Thread(target=worker, args=(50, ["R-ANY"])),
               threading.Thread(target=worker, args=(25, ["R-ANY", "R-YOUNG", "R-BIG"])),
               threading.Thread(target=worker, args=(60, ["R-ANY"]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
