"""manage.py rules check: every problem of every file in one run, as file:line:col, exit 1 on errors."""
from .conftest import SHIPPED


def test_shipped_policy_is_clean(rules_command):
    code, lines = rules_command("check", SHIPPED)
    assert code == 0
    assert len(lines) == 1 and lines[0].startswith(f"{SHIPPED}: OK (11 rules, 0 warnings), version ")


def test_all_problems_of_all_files_in_one_run(rules_command, draft):
    draft.edit("rules.yaml", "    points: 50\n", "    points: fifty\n")
    draft.edit("rules.yaml", "when: event.hours >= 8", "when: event.hours >= true")
    draft.edit("rules.yaml", "event_type: bribery_conviction", "event_type: bribery")
    draft.edit("grades.yaml", "    max: 969", "    max: 960")
    draft.edit("services.yaml", "D: {decision: denied, note: {zh-hans: D 级不予核发或换发驾驶证。, "
               "en: No driving licences are issued or renewed for grade D.}}",
               "E: {decision: denied, note: {zh-hans: 不予驾驶证。, en: No driving licences.}}")
    draft.edit("events.yaml", "      months:\n        type: int", "      months:\n        type: integer")
    code, lines = rules_command("check", draft)
    assert code == 1
    d = draft.path
    assert lines == [
        f"{d}/events.yaml:36:15: error: unknown type 'integer' (types: int, float, str, bool, date)",
        f"{d}/grades.yaml:13:1: error: gap between grades A and B: scores 961..969 have no grade",
        f"{d}/rules.yaml:15:13: error: points 'fifty' must be an integer or a reference like event.points "
        "[SN-ELDERLY-CARE]",
        f"{d}/rules.yaml:75:17: error: unknown event type 'bribery' (event types: elderly_care, helping_poor, "
        "drunk_driving_conviction, bribery_conviction, traffic_violation, volunteering, unpaid_court_judgment, "
        "blood_donation, official_adjustment, judgment_satisfied) [SN-BRIBERY]",
        f"{d}/rules.yaml:123:26: error: cannot compare float field 'event.hours' with boolean true [OWN-VOLUNTEERING]",
        f"{d}/services.yaml:52:7: error: service 'driving_licence' says nothing for grade D",
        f"{d}/services.yaml:55:7: error: unknown grade 'E' in service 'driving_licence' (grades: A, B, C, D)",
        f"CommandError: {d}: 7 errors, 0 warnings",
    ]


def test_warnings_alone_do_not_fail(rules_command, draft):
    draft.edit("rules.yaml", "    when: event.severity == 'serious'\n", "")
    draft.write("notes.yml", "a: 1\n")
    code, lines = rules_command("check", draft)
    assert code == 0
    d = draft.path
    assert lines[:-1] == [
        f"{d}/notes.yml:1:1: warning: 'notes.yml' is ignored: policy and test files end in .yaml",
        f"{d}/rules.yaml:99:1: warning: rules OWN-TRAFFIC-MINOR and OWN-TRAFFIC-SERIOUS can both apply to one "
        "'traffic_violation' event, and then both count; make their conditions exclusive if only one should "
        "[OWN-TRAFFIC-SERIOUS]",
    ]
    assert lines[-1].startswith(f"{d}: OK (11 rules, 2 warnings)")


def test_yaml_syntax_error_and_unexpected_file(rules_command, draft):
    draft.write("grades.yaml", "starting_points: 1000\ngrades: [\n")
    draft.write("extra.yaml", "x: 1\n")
    code, lines = rules_command("check", draft)
    assert code == 1
    assert lines[:2] == [
        f"{draft.path}/extra.yaml:1:1: error: unexpected policy file (expected: events.yaml, grades.yaml, "
        "rules.yaml, services.yaml)",
        f"{draft.path}/grades.yaml:3:1: error: YAML syntax error: expected the node content, but found "
        "'<stream end>'",
    ]


def test_tests_folder_is_not_policy(rules_command, draft):
    """Test files live in DIR/tests: not an 'unexpected policy file', and not part of the version hash."""
    from rules.loader import load_policy

    before = load_policy(draft.path).version
    draft.write("tests/more.yaml", "- name: anything\n")
    assert load_policy(draft.path).version == before
    assert rules_command("check", draft)[0] == 0


def test_missing_directory(rules_command, tmp_path):
    code, lines = rules_command("check", tmp_path / "nope")
    assert code == 1
    assert lines[0] == f"{tmp_path / 'nope'}:1:1: error: policy directory not found"


def test_a_missing_translation_is_reported_at_its_line(rules_command, draft):
    draft.edit("rules.yaml", "      en: A day of volunteering\n", "")
    draft.edit("services.yaml", "note: {zh-hans: 按正常程序。, en: Normal procedure.}", "note: Normal procedure.")
    code, lines = rules_command("check", draft)
    assert code == 1
    d = draft.path
    assert lines[0] == f"{d}/rules.yaml:117:7: error: missing en translation of 'title' in a rule [OWN-VOLUNTEERING]"
    for line, (number, grade) in zip(lines[1:4], [(52, "A"), (53, "B"), (54, "C")], strict=True):
        assert line.startswith(f"{d}/services.yaml:{number}:36: error: missing translation: 'note' in effect of "
                               f"grade {grade} on 'driving_licence' must be given in every language")
    assert lines[-1] == f"CommandError: {d}: 4 errors, 0 warnings"


def test_the_summary_is_in_the_commands_language(rules_command):
    from django.utils import translation

    with translation.override("zh-hans"):
        code, lines = rules_command("check", SHIPPED)
    assert code == 0 and lines[0].startswith(f"{SHIPPED}：通过（11 条规则，0 个警告），版本 ")
