"""The replay behind tests, simulations and re-scoring: it agrees with live scoring and the engine."""
import datetime as dt

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from points.history import citizen_history, entry_rows, event_rows
from points.models import LedgerEntry
from points.replay import SCORED, CachedEvaluation, replay, scratch_citizen
from points.services import event_report
from points.synthetic import PILOT_START
from rules.answers import condition_paths
from rules.ast import to_source
from rules.errors import PolicyError
from rules.grammar import parse_condition
from rules.loader import policy_from_files
from rules.registry import current_policy
from tests.rules.conftest import shipped_files
from tests.rules.strategies import DAYS, PROBE_EVENTS_YAML, conditions, events, split
from tests.rules.test_properties import fits_engine


def probe_policy(conds, windows):
    files = shipped_files()
    files["events.yaml"] = PROBE_EVENTS_YAML
    rules = []
    for i, (cond, (start, end)) in enumerate(zip(conds, windows, strict=True)):
        rule = {"id": f"P{i}", "title": "t", "explanation": "e", "event_type": "probe", "when": to_source(cond),
                "points": 1, "legal_basis": "b"}
        if start:
            rule["effective_from"] = start.isoformat()
        if end and (not start or end >= start):
            rule["effective_to"] = end.isoformat()
        rules.append(rule)
    files["rules.yaml"] = yaml.safe_dump({"rules": rules}, allow_unicode=True)
    return policy_from_files(files)


def test_condition_paths():
    node = parse_condition("event.a > 1 and not (citizen.age < 18 or event.b is absent) or event.c in [1]")
    assert condition_paths(node) == {"event.a", "citizen.age", "event.b", "event.c"}
    assert condition_paths(None) == set()


windows = st.tuples(st.sampled_from([None, *DAYS]), st.sampled_from([None, *DAYS]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    conds=st.lists(conditions(), min_size=1, max_size=4),
    spans=st.lists(windows, min_size=4, max_size=4),
    samples=st.lists(st.tuples(events(), st.sampled_from(DAYS + [dt.date(2023, 12, 31)])), min_size=1, max_size=12),
)
def test_remembered_answers_are_the_engines_answers(conds, spans, samples):
    assume(fits_engine(conds))
    try:
        policy = probe_policy(conds, spans[:len(conds)])
    except PolicyError as exc:
        assume(all("out of range" in p.message for p in exc.errors))
        return
    try:
        for values, day in samples + samples:  # the second pass answers from the memo
            attributes, citizen = split(values)
            expected = [r.id for r in policy.evaluate("probe", attributes, citizen, day)]
            assert [r.id for r in policy.matching_rules("probe", attributes, citizen, day)] == expected
    finally:
        policy.close()


def test_cached_evaluation_delegates_everything_else(shipped_policy_in_force):
    policy = current_policy()
    cached = CachedEvaluation(policy)
    assert cached.version == policy.version and cached.grade_for(969) == "B" and cached.ceiling == 1200


CASE = {"case_number": "(2025)1号"}
STREAM = [  # (agency, event type, attributes, day)
    ("civil_affairs", "elderly_care", {"months": 3}, dt.date(2024, 3, 1)),
    ("community", "volunteering", {"hours": 8.0}, dt.date(2024, 3, 2)),
    ("community", "volunteering", {"hours": 8.0}, dt.date(2024, 3, 3)),
    ("community", "volunteering", {"hours": 8.0}, dt.date(2024, 3, 4)),
    ("community", "volunteering", {"hours": 9.0}, dt.date(2024, 3, 5)),
    ("community", "volunteering", {"hours": 9.0}, dt.date(2024, 3, 6)),  # capped
    ("court", "bribery_conviction", CASE, dt.date(2024, 4, 1)),
    ("community", "helping_poor", {"media_reported": True}, dt.date(2024, 5, 1)),
    ("civil_affairs", "elderly_care", {"months": 3}, dt.date(2024, 6, 1)),
    ("civil_affairs", "elderly_care", {"months": 3}, dt.date(2024, 7, 1)),
    ("civil_affairs", "elderly_care", {"months": 3}, dt.date(2024, 8, 1)),
    ("civil_affairs", "elderly_care", {"months": 3}, dt.date(2024, 9, 1)),  # reaches the ceiling
    ("police", "traffic_violation", {"severity": "serious"}, dt.date(2024, 10, 1)),
]


def test_replaying_stored_events_gives_the_stored_entries(make_citizen, agencies):
    citizen = make_citizen()
    for number, (agency, event_type, attributes, day) in enumerate(STREAM):
        when = dt.datetime.combine(day, dt.time(10), tzinfo=PILOT_START.tzinfo)
        event_report(agency=agencies[agency], resident_id=citizen.resident_id, event_type=event_type,
                     occurred_at=when, attributes=attributes, idempotency_key=f"k{number}")
    citizen.refresh_from_db()
    opening, history = citizen_history(event_rows(citizen_id=citizen.pk), entry_rows(citizen_id=citizen.pk))
    assert opening == 1000 and len(history) == len(STREAM)
    policy = current_policy()
    scratch = scratch_citizen(pk=citizen.pk, birth_date=citizen.birth_date, sex=citizen.sex,
                              district=citizen.district, score=opening, policy=policy)
    outcomes = replay(citizen=scratch, events=history, policy=policy)
    stored = LedgerEntry.objects.filter(citizen=citizen, kind="rule").order_by("id")
    assert [(p.rule_id, p.delta, p.expires_on) for o in outcomes for p in o.planned] == [
        (e.rule_id, e.delta, e.expires_on) for e in stored]
    assert all(o.status == SCORED and not o.changed for o in outcomes)
    assert scratch.score == citizen.score and scratch.grade == citizen.grade
    assert 1200 in [o.score_after for o in outcomes]  # the ceiling was reached on the way
