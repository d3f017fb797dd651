"""manage.py rules test: YAML cases through the real scoring code; failures show expected versus actual."""
from pathlib import Path

from authoring.testcases import parse_tests, policy_test_files
from authoring.testing import run_policy_tests
from rules.loader import load_policy

from .conftest import SHIPPED


def case_count(directory: Path) -> int:
    policy = load_policy(directory)
    cases, problems = parse_tests(policy_test_files(directory), policy)
    assert problems == []
    return len(cases)


def test_shipped_tests_pass(rules_command):
    code, lines = rules_command("test", SHIPPED)
    assert code == 0
    files = len(list((SHIPPED / "tests").glob("*.yaml")))
    assert lines == [f"{case_count(SHIPPED)} passed, 0 failed ({files} test files)"]


def test_shipped_tests_cover_every_rule_service_and_grade():
    policy = load_policy(SHIPPED)
    cases, _ = parse_tests(policy_test_files(SHIPPED), policy)
    expected_rules = {rule for case in cases for event in case.events for rule in (event.expect or {})}
    assert expected_rules == set(policy.rules)
    assert {case.grade for case in cases} >= {band.grade for band in policy.grades}
    for grade in ("A", "D"):
        covered = {service for case in cases if case.grade == grade for service in case.eligibility}
        assert covered == set(policy.services), grade


def test_a_changed_rule_fails_with_expected_and_actual(rules_command, draft):
    draft.edit("rules.yaml", "    points: 50\n", "    points: 60\n")
    code, lines = rules_command("test", draft)
    assert code == 1
    d = draft.path / "tests"
    assert f"FAIL {d}/rules.yaml:4: Caring for an elderly family member adds 50 points that never expire" in lines
    assert (f"  {d}/rules.yaml:7:7: event 1 (elderly_care on 2024-03-01): expected SN-ELDERLY-CARE +50 "
            "(expires never), got SN-ELDERLY-CARE +60 (expires never)") in lines
    assert f"  {d}/rules.yaml:11:3: final score: expected 1050, got 1060" in lines
    total = case_count(draft.path)
    failing = sum(1 for line in lines if line.startswith("FAIL "))
    assert failing == 2  # the rule's own case and the effective-date case
    assert lines[-2:] == [f"{total - failing} passed, {failing} failed (4 test files)",
                          f"CommandError: {draft.path}: policy tests failed"]


def test_moved_threshold_and_eligibility_fail(rules_command, draft):
    draft.edit("grades.yaml", "min: 970", "min: 960").edit("grades.yaml", "max: 969", "max: 959")
    draft.edit("services.yaml", "D: {decision: review, note: {zh-hans: 由社工审查个案；仅按实际需要决定。, "
               "en: A caseworker reviews the case; need alone decides.}}",
               "D: {decision: denied, note: {zh-hans: 不予。, "
               "en: Refused.}}")
    code, lines = rules_command("test", draft)
    assert code == 1
    d = draft.path / "tests"
    assert f"  {d}/grades.yaml:16:3: grade: expected B, got A (969 points)" in lines
    decision = [line for line in lines if "eligibility for social_assistance" in line]
    assert decision == [
        f"  {d}/grades.yaml:65:5: eligibility for social_assistance: expected review, got denied — Grade D "
        "(595 points): denied for Basic social assistance — Refused. (services.yaml:71)."]


def test_caps_and_expiry_dates_are_checked(rules_command, draft):
    draft.edit("rules.yaml", "cap: {count: 2, per: year}", "cap: {count: 2, per: lifetime}")
    draft.edit("rules.yaml", "expires_after: 5y", "expires_after: 4y")
    code, lines = rules_command("test", draft)
    d = draft.path / "tests"
    assert code == 1
    assert (f"  {d}/caps.yaml:19:7: event 4 (blood_donation on 2025-01-10): expected OWN-BLOOD-DONATION +10, "
            "got no points") in lines
    assert (f"  {d}/rules.yaml:35:7: event 1 (bribery_conviction on 2024-02-29): expected SN-BRIBERY -50 "
            "(expires 2029-02-28), got SN-BRIBERY -50 (expires 2028-02-29)") in lines


def test_rejected_attributes(rules_command, draft):
    draft.edit("events.yaml", "        min: 0.5\n", "        min: 0.25\n")
    code, lines = rules_command("test", draft)
    assert code == 1
    assert (f"  {draft.path}/tests/rules.yaml:92:7: event 1 (volunteering on 2024-06-01): expected the attributes "
            "hours to be refused, but the event was accepted") in lines


def test_an_event_the_policy_refuses_fails_the_case(rules_command, draft):
    draft.write("tests/extra.yaml", "- name: refused\n  events:\n"
                                    "    - {type: volunteering, date: 2024-06-01, attributes: {hours: 30}}\n")
    code, lines = rules_command("test", draft)
    assert code == 1
    assert (f"  {draft.path}/tests/extra.yaml:3:7: event 1 (volunteering on 2024-06-01) was refused: attributes "
            "no longer valid: hours: must be at most 24") in lines


def test_problems_in_test_files_are_located(rules_command, draft):
    draft.write("tests/bad.yaml", """\
- name: typos
  citizen: {birth_date: 2015-01-01, sex: X}
  events:
    - {type: volunteer, date: 2024-01-05}
    - {type: volunteering, date: 2024-13-05}
    - {type: blood_donation, date: 2024-02-01, expect: {OWN-BLOOD: 10}, when: now}
  grade: E
  eligibility: {schools: allowed, public_housing: maybe}
- just text
""")
    code, lines = rules_command("test", draft)
    assert code == 1
    t = draft.path / "tests"
    assert [line for line in lines if line.startswith(str(t))] == [
        f"{t}/bad.yaml:2:42: error: sex must be M or F, not 'X'",
        f"{t}/bad.yaml:4:7: error: the citizen is under 14 on 2024-01-05: nobody under 14 is enrolled, so this "
        "event would be refused",
        f"{t}/bad.yaml:4:14: error: unknown event type 'volunteer' (event types: elderly_care, helping_poor, "
        "drunk_driving_conviction, bribery_conviction, traffic_violation, volunteering, unpaid_court_judgment, "
        "blood_donation, official_adjustment, judgment_satisfied)",
        f"{t}/bad.yaml:5:34: error: invalid value '2024-13-05': month must be in 1..12",
        f"{t}/bad.yaml:6:7: error: the citizen is under 14 on 2024-02-01: nobody under 14 is enrolled, so this "
        "event would be refused",
        f"{t}/bad.yaml:6:57: error: unknown rule 'OWN-BLOOD' in expect",
        f"{t}/bad.yaml:6:73: error: unknown key 'when' in an event (allowed: type, date, attributes, expect, "
        "rejected, score, note)",
        f"{t}/bad.yaml:7:10: error: unknown grade 'E' (grades: A, B, C, D)",
        f"{t}/bad.yaml:8:17: error: unknown service 'schools' (services: school_admission, public_employment, "
        "business_licence, driving_licence, construction_permit, social_assistance, public_housing)",
        f"{t}/bad.yaml:8:51: error: unknown decision 'maybe' (decisions: priority, allowed, review, denied)",
        f"{t}/bad.yaml:9:3: error: a test case must be a mapping of keys to values",
    ]
    assert lines[-2] == f"{case_count(SHIPPED)} passed, 0 failed, 11 problems in test files (5 test files)"


def test_under_14_is_refused_in_tests(rules_command, draft):
    draft.write("tests/young.yaml", "- name: young\n  citizen: {birth_date: 2012-03-01}\n  events:\n"
                                    "    - {type: blood_donation, date: 2026-02-28}\n")
    code, lines = rules_command("test", draft)
    assert code == 1
    assert (f"{draft.path}/tests/young.yaml:4:7: error: the citizen is under 14 on 2026-02-28: nobody under 14 is "
            "enrolled, so this event would be refused") in lines


def test_no_tests_is_a_failure(rules_command, draft):
    for path in (draft.path / "tests").glob("*.yaml"):
        path.unlink()
    code, lines = rules_command("test", draft)
    assert code == 1
    assert lines[0] == "no test cases found (write them in tests/*.yaml next to the policy files) (0 test files)"


def test_policy_with_errors_is_not_tested(rules_command, draft):
    draft.edit("rules.yaml", "    points: 50\n", "    points: fifty\n")
    code, lines = rules_command("test", draft)
    assert code == 1
    assert lines[0].startswith(f"{draft.path}/rules.yaml:15:13: error: points 'fifty'")


def test_runner_uses_the_real_ledger_code(monkeypatch):
    """Breaking points.scoring.bounded_delta breaks the policy tests: there is no second implementation."""
    from points import scoring

    monkeypatch.setattr(scoring, "bounded_delta", lambda policy, score, delta: delta)
    run = run_policy_tests(load_policy(SHIPPED), SHIPPED)
    failed = {result.case.name for result in run.failed}
    assert failed == {"The score never goes above the ceiling of 1200", "The score never goes below the floor of 0"}
