"""Grades from totals, and eligibility decisions that cite the policy."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.exceptions import NotEnrolled, NotFound
from points.selectors import eligibility, eligibility_all
from rules.registry import current_policy


@pytest.mark.parametrize("score, grade", [
    (1200, "A"), (970, "A"), (969, "B"), (850, "B"), (849, "C"), (600, "C"), (599, "D"), (0, "D"),
])
def test_grade_boundaries(score, grade):
    assert current_policy().grade_for(score) == grade


@given(st.integers(min_value=-5000, max_value=5000))
@settings(max_examples=300, deadline=None)
def test_grade_agrees_with_thresholds(score):
    policy = current_policy()
    band = [b for b in policy.grades if (b.min is None or score >= b.min) and (b.max is None or score <= b.max)]
    assert len(band) == 1
    assert policy.grade_for(score) == band[0].grade


def test_eligibility_names_grade_and_policy_line(make_citizen):
    citizen = make_citizen()
    decision = eligibility(citizen=citizen, service_code="school_admission")
    assert decision.decision == "priority" and decision.grade == "A"
    assert "Grade A" in decision.reason and "services.yaml:" in decision.policy_reference
    assert decision.policy_reference in decision.reason


def test_grade_d_is_denied_licences(make_citizen):
    citizen = make_citizen()
    citizen.score, citizen.grade = 500, "D"
    assert eligibility(citizen=citizen, service_code="driving_licence").decision == "denied"
    assert len(eligibility_all(citizen=citizen)) == len(current_policy().services)


def test_unknown_service_and_unenrolled_citizen(make_citizen):
    citizen = make_citizen()
    with pytest.raises(NotFound):
        eligibility(citizen=citizen, service_code="moon_landing")
    with pytest.raises(NotEnrolled):
        eligibility(citizen=make_citizen(enrol=False), service_code="driving_licence")
