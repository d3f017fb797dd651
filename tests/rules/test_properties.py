"""Property tests: the durable-rules compilation means exactly what the reference evaluator says."""
import datetime as dt

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from rules.ast import to_source
from rules.compiler import MAX_GROUPS_PER_RULE, MAX_PATHS_PER_EVENT, compile_rule, count_groups, max_paths
from rules.errors import PolicyError
from rules.grammar import parse_condition
from rules.loader import policy_from_files
from rules.overlap import exclusive
from rules.reference import evaluate

from .conftest import shipped_files
from .strategies import PROBE_EVENTS_YAML, conditions, events, split

DAY = dt.date(2024, 6, 1)


def probe_policy(conds):
    files = shipped_files()
    files["events.yaml"] = PROBE_EVENTS_YAML
    rules = [
        {"id": f"P{i}", "title": "t", "explanation": "e", "event_type": "probe", "when": to_source(cond),
         "points": 1, "legal_basis": "b"}
        for i, cond in enumerate(conds)
    ]
    files["rules.yaml"] = yaml.safe_dump({"rules": rules}, allow_unicode=True)
    return policy_from_files(files)


def fits_engine(conds):
    compiled = [compile_rule("probe", c, None, None) for c in conds]
    return (all(count_groups(c) <= MAX_GROUPS_PER_RULE for c in compiled)
            and sum(max_paths(c) for c in compiled) <= MAX_PATHS_PER_EVENT)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    conds=st.lists(conditions(), min_size=1, max_size=4),
    samples=st.lists(events(), min_size=1, max_size=8),
)
def test_durable_engine_agrees_with_reference_evaluator(conds, samples):
    assume(fits_engine(conds))
    try:
        policy = probe_policy(conds)
    except PolicyError as exc:  # e.g. tiny float literals the checker refuses
        assume(all("out of range" in p.message for p in exc.errors))
        return
    try:
        for values in samples:
            attributes, citizen = split(values)
            expected = [f"P{i}" for i, c in enumerate(conds) if evaluate(c, values)]
            got = [r.id for r in policy.evaluate("probe", attributes, citizen, DAY)]
            assert got == expected, (values, [to_source(c) for c in conds])
    finally:
        policy.close()


@settings(max_examples=300, deadline=None)
@given(cond=conditions(max_leaves=10))
def test_source_text_round_trips(cond):
    assert parse_condition(to_source(cond)) == cond


@settings(max_examples=300, deadline=None)
@given(a=conditions(max_leaves=4), b=conditions(max_leaves=4), samples=st.lists(events(), max_size=20))
def test_exclusive_is_sound(a, b, samples):
    if exclusive(a, b):
        for values in samples:
            assert not (evaluate(a, values) and evaluate(b, values))
