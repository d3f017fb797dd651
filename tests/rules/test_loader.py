"""Loading policies: every problem located as file:line:col, all collected in one run."""
import pytest

from rules.errors import PolicyError
from rules.loader import load_policy, policy_from_files, policy_version

from .conftest import SHIPPED, shipped_files

RULE = """rules:
  - id: R1
    title: {zh-hans: 标题, en: t}
    explanation: {zh-hans: 说明, en: e}
    event_type: volunteering
    points: 5
    legal_basis: {zh-hans: 依据, en: b}
"""


def problems_of(write_policy, **files):
    with pytest.raises(PolicyError) as info:
        load_policy(write_policy(**files))
    return str(info.value).splitlines()


def test_shipped_policy_loads_cleanly(shipped):
    assert shipped.warnings == ()


def test_every_rule_is_documented(shipped):
    for rule in shipped.rules.values():
        assert rule.legal_basis and rule.explanation and rule.effective_from is not None, rule.id
        if isinstance(rule.points, int) and rule.points < 0:
            assert rule.expires_after is not None, rule.id


@pytest.mark.parametrize(
    ("rules_yaml", "expected"),
    [
        ("rules:\n  - id: R1\n    title: [oops\n",
         "rules.yaml:4:1: error: YAML syntax error: expected ',' or ']', but got '<stream end>'"),
        (RULE.replace("    points: 5\n", "    pionts: 5\n"),
         "rules.yaml:2:5: error: missing key 'points' in a rule [R1]\n"
         "rules.yaml:6:5: error: unknown key 'pionts' in a rule (allowed: id, title, explanation, "
         "event_type, "
         "points, legal_basis, when, cap, effective_from, effective_to, expires_after) [R1]"),
        (RULE.replace("points: 5", "points: true"),
         "rules.yaml:6:13: error: 'points' in a rule must be an integer or a reference like event.points, "
         "not a boolean [R1]"),
        (RULE.replace("points: 5", "points: ten"),
         "rules.yaml:6:13: error: points 'ten' must be an integer or a reference like event.points [R1]"),
        (RULE.replace("title: {zh-hans: 标题, en: t}", "title: 5"),
         "rules.yaml:3:12: error: 'title' in a rule must be a text per language, not an integer [R1]"),
        (RULE.replace("points: 5", "points: event.hours"),
         "rules.yaml:6:13: error: points 'event.hours' must name a required int attribute of "
         "'volunteering' [R1]"),
        (RULE.replace("event_type: volunteering", "event_type: volunteer"),
         "rules.yaml:5:17: error: unknown event type 'volunteer' (event types: elderly_care, helping_poor, "
         "drunk_driving_conviction, bribery_conviction, traffic_violation, volunteering, "
         "unpaid_court_judgment, "
         "blood_donation, official_adjustment, judgment_satisfied) [R1]"),
        (RULE + RULE[len("rules:\n"):],
         "rules.yaml:8:5: error: duplicate rule id 'R1' (first defined at line 2) [R1]"),
        (RULE + "    effective_from: 2024-06-01\n    effective_to: 2024-01-01\n",
         "rules.yaml:9:19: error: effective_to 2024-01-01 is before effective_from 2024-06-01 [R1]"),
        (RULE + "    effective_from: 2024-02-30\n",
         "rules.yaml:8:21: error: invalid value '2024-02-30': day is out of range for month [R1]"),
        (RULE + "    effective_from: '2024-13-01'\n",
         "rules.yaml:8:21: error: 'effective_from' in a rule must be a date written YYYY-MM-DD [R1]"),
        (RULE + "    cap: {count: 0, per: week}\n",
         "rules.yaml:8:18: error: cap count must be at least 1 [R1]\n"
         "rules.yaml:8:26: error: cap per must be one of: year, month, lifetime [R1]"),
        (RULE + "    expires_after: 3 years\n",
         "rules.yaml:8:20: error: invalid duration '3 years': write e.g. '3y', '18m' or '90d' [R1]"),
        ("- just a list\n", "rules.yaml:1:1: error: rules.yaml must be a mapping of keys to values"),
    ],
)
def test_bad_rules_file(write_policy, rules_yaml, expected):
    assert problems_of(write_policy, rules_yaml=rules_yaml) == expected.splitlines()


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        # plain scalar: the column is the offending field's own column in the file
        ("    when: event.hours >= 8 and event.hourz < 2\n",
         "rules.yaml:8:32: error: unknown field 'event.hourz' (known event fields: event.hours) [R1]"),
        ("    when: \"event.hours >= 8 and citizen.spouse == 'x'\"\n",
         "rules.yaml:8:33: error: unknown field 'citizen.spouse' (known citizen fields: citizen.age, "
         "citizen.district, citizen.grade, citizen.score, citizen.sex, citizen.status) [R1]"),
        ("    when: |\n      event.hours >= 8 and\n      event.hours == true\n",
         "rules.yaml:10:22: error: cannot compare float field 'event.hours' with boolean true [R1]"),
        ("    when: event.hours >= \n",
         "rules.yaml:8:25: error: cannot parse condition at column 15: Expected a value, "
         "found the end of the condition [R1]"),
        ("    when: citizen.grade == 'E'\n",
         "rules.yaml:8:28: error: 'E' is not a possible value of 'citizen.grade' ('A', 'B', 'C', 'D') [R1]"),
        ("    when: event.hours > 1 and __import__('os').system('x')\n",
         "rules.yaml:8:31: error: cannot parse condition at column 21: Expected a test such as event.x == 1, "
         "found \"__import__('os').system('x')\" [R1]"),
    ],
)
def test_bad_conditions_point_into_the_file(write_policy, when, expected):
    assert problems_of(write_policy, rules_yaml=RULE + when) == [expected]


def test_conditions_beyond_engine_limits_are_refused(write_policy):
    # 64 comparisons that can all hold at once, plus the engine's catch-all rule, exceed durable's 64.
    when = " or ".join(f"(event.hours < {i} or event.hours > {i + 1})" for i in range(32))
    assert problems_of(write_policy, rules_yaml=RULE + f"    when: {when}\n") == [
        "rules.yaml:2:1: error: the rules for 'volunteering' can match one event along 64 paths; "
        "the engine allows 63: simplify the 'or's [R1]"
    ]
    when = " and ".join(f"(event.hours < {i} or event.hours > {i + 1})" for i in range(15))
    assert problems_of(write_policy, rules_yaml=RULE + f"    when: {when}\n")[0] == (
        "rules.yaml:2:1: error: condition too complex for the rules engine: more than 15 and/or groups; "
        "split the rule [R1]")


def test_grade_bands_must_be_ordered_without_gaps_or_overlaps(write_policy):
    grades = ("starting_points: 1000\ngrades:\n  - grade: A\n    min: 970\n  - grade: B\n    min: 850\n"
              "    max: 980\n  - grade: C\n    min: 600\n    max: 800\n  - grade: D\n    max: 599\n")
    assert problems_of(write_policy, grades_yaml=grades) == [
        "grades.yaml:5:1: error: grades A and B overlap or are out of order: "
        "B max 980 is not below A min 970",
        "grades.yaml:8:1: error: gap between grades B and C: scores 801..849 have no grade",
    ]


def test_grade_bands_must_cover_every_score(write_policy):
    grades = ("starting_points: 1000\ngrades:\n  - grade: A\n    min: 900\n    max: 1100\n"
              "  - grade: B\n    min: 0\n    max: 899\n")
    lines = problems_of(write_policy, grades_yaml=grades)
    assert [line for line in lines if line.startswith("grades.yaml")] == [
        "grades.yaml:3:1: error: grade A must have no max (higher scores have no grade)",
        "grades.yaml:6:1: error: grade B must have no min (lower scores have no grade)",
    ]


def test_services_name_known_grades_and_decisions(write_policy):
    services = ("services:\n  school_admission:\n    name: {zh-hans: 学校, en: School}\n    effects:\n"
                "      A: {decision: priority}\n"
                "      B: {decision: maybe}\n      C: {decision: allowed}\n      E: {decision: denied}\n")
    assert problems_of(write_policy, services_yaml=services) == [
        "services.yaml:5:7: error: service 'school_admission' says nothing for grade D",
        "services.yaml:6:21: error: unknown decision 'maybe' (decisions: priority, allowed, review, denied)",
        "services.yaml:8:7: error: unknown grade 'E' in service 'school_admission' (grades: A, B, C, D)",
    ]


def test_agencies_must_be_declared_and_well_formed(write_policy):
    events = shipped_files()["events.yaml"].replace(
        "reported_by: [red_cross]", "reported_by: [red_crosss, Bad-Code]")
    assert problems_of(write_policy, events_yaml=events) == [
        "events.yaml:170:19: error: unknown agency 'red_crosss' (declared agencies: police, court, "
        "civil_affairs, "
        "media_office, community, red_cross)",
        "events.yaml:170:31: error: agency code 'Bad-Code' must be lower_case letters, digits and _",
    ]


@pytest.mark.parametrize(
    "rules_yaml",
    [
        "rules: !!python/object/apply:os.system ['touch /tmp/pwned-by-policy']\n",
        "rules:\n  - !!python/name:os.system\n",
        "rules: !custom {}\n",
    ],
)
def test_code_tags_are_refused_by_safe_loading(write_policy, rules_yaml, tmp_path):
    lines = problems_of(write_policy, rules_yaml=rules_yaml)
    assert len(lines) == 1 and lines[0].startswith("rules.yaml:")
    assert "is not allowed: policy files hold plain data only" in lines[0]
    assert not (tmp_path / "pwned-by-policy").exists()


def test_anchors_are_refused(write_policy):
    assert problems_of(write_policy, rules_yaml="rules:\n  - &r\n    id: R1\n  - *r\n") == [
        "rules.yaml:2:5: error: anchors and aliases are not allowed in policy files"]


def test_all_problems_of_all_files_are_collected(write_policy):
    lines = problems_of(
        write_policy,
        rules_yaml=RULE.replace("points: 5", "points: ten") + "    when: event.nope\n",
        grades_yaml=shipped_files()["grades.yaml"].replace("starting_points: 1000", "starting_points: x"),
        notes_yaml="a: 1\n",
    )
    assert lines == [
        "grades.yaml:5:18: error: 'starting_points' in grades.yaml must be an integer, not a string",
        "notes.yaml:1:1: error: unexpected policy file (expected: events.yaml, grades.yaml, rules.yaml, "
        "services.yaml)",
        "rules.yaml:6:13: error: points 'ten' must be an integer or a reference like event.points [R1]",
        "rules.yaml:8:11: error: unknown field 'event.nope' (known event fields: event.hours) [R1]",
    ]


def test_missing_file(tmp_path):
    files = shipped_files()
    del files["services.yaml"]
    with pytest.raises(PolicyError) as info:
        policy_from_files(files)
    assert str(info.value) == "services.yaml:1:1: error: policy file missing"


def test_overlapping_rules_warn_but_load(write_policy):
    policy = load_policy(write_policy(rules_yaml=RULE + RULE[len("rules:\n"):].replace("R1", "R2")))
    assert [str(w) for w in policy.warnings] == [
        "rules.yaml:8:1: warning: rules R1 and R2 can both apply to one 'volunteering' event, and then both "
        "count; make their conditions exclusive if only one should [R2]"]


@pytest.mark.parametrize(
    ("first", "second", "warns"),
    [
        ("event.media_reported", "not event.media_reported", False),
        ("event.media_reported == true", "event.media_reported == false", False),
        ("event.severity == 'minor'", "event.severity == 'serious'", False),
        ("event.severity in ['minor']", "event.severity not in ['minor']", False),
        ("event.media_reported", "event.severity == 'minor'", True),
        ("event.severity != 'minor'", "event.severity == 'serious'", True),
    ],
)
def test_overlap_heuristic(write_policy, first, second, warns):
    events = shipped_files()["events.yaml"].replace(
        "      media_reported:\n", "      severity:\n        type: str\n        choices: [minor, serious]\n"
                                   "      media_reported:\n")
    rules = (RULE.replace("volunteering", "helping_poor") + f"    when: {first}\n"
             + RULE[len("rules:\n"):].replace("R1", "R2").replace("volunteering", "helping_poor")
             + f"    when: {second}\n")
    policy = load_policy(write_policy(events_yaml=events, rules_yaml=rules))
    assert bool(policy.warnings) is warns


def test_overlap_needs_overlapping_dates(write_policy):
    second = RULE[len("rules:\n"):].replace("R1", "R2") + "    effective_from: 2025-01-01\n"
    first = RULE + "    effective_to: 2024-12-31\n"
    assert load_policy(write_policy(rules_yaml=first + second)).warnings == ()


def test_version_is_the_hash_of_the_files_and_both_loaders_agree(shipped):
    from_memory = policy_from_files(dict(shipped.files))
    assert from_memory.version == shipped.version == policy_version(shipped.files)
    assert len(shipped.version) == 64
    assert set(shipped.files) == {"events.yaml", "grades.yaml", "rules.yaml", "services.yaml"}
    assert shipped.directory == SHIPPED and from_memory.directory is None
    changed = dict(shipped.files, **{"rules.yaml": shipped.files["rules.yaml"] + "\n# comment\n"})
    assert policy_from_files(changed).version != shipped.version
