"""manage.py rules diff: rule-level differences between directories, stored versions and the live policy."""
import pytest

from rules import registry
from rules.loader import load_policy
from rules.models import PolicyVersion

from .conftest import SHIPPED


def test_rule_grade_service_and_event_type_changes(rules_command, draft):
    draft.edit("rules.yaml", "    points: 50\n", "    points: 60\n")
    draft.edit("rules.yaml", "when: event.hours >= 8", "when: event.hours >= 6")
    draft.edit("rules.yaml", "cap: {count: 4, per: year}", "cap: {count: 6, per: year}")
    draft.edit("rules.yaml", "    expires_after: 5y  # our own value, not from the pilot\n",
               "    expires_after: 5y\n    effective_to: 2026-12-31\n")
    draft.edit("rules.yaml", "  - id: OWN-BLOOD-DONATION", "  - id: OWN-BLOOD-DONATION-2")
    draft.edit("grades.yaml", "min: 970", "min: 960").edit("grades.yaml", "max: 969", "max: 959")
    draft.edit("grades.yaml", "starting_points: 1000", "starting_points: 990")
    draft.edit("services.yaml", "D: {decision: denied, note: {zh-hans: D 级家庭不予分配新的公共住房。, "
               "en: Grade D households are not allocated new public housing.}}",
               "D: {decision: review, note: {zh-hans: 审查。, "
               "en: Reviewed.}}")
    draft.edit("events.yaml", "        max: 24\n", "        max: 12\n")
    code, lines = rules_command("diff", SHIPPED, draft)
    assert code == 0
    assert lines == [
        f"--- {SHIPPED} ({load_policy(SHIPPED).version[:12]})",
        f"+++ {draft} ({load_policy(draft.path).version[:12]})",
        "Rules",
        "  + OWN-BLOOD-DONATION-2: blood_donation, 10 points, cap 2 per year, in force 2024-01-01 to none",
        "  - OWN-BLOOD-DONATION: blood_donation, 10 points, cap 2 per year, in force 2024-01-01 to none",
        "  ~ SN-ELDERLY-CARE: points 50 → 60",
        "  ~ SN-BRIBERY: effective_to none → 2026-12-31",
        "  ~ OWN-VOLUNTEERING: when 'event.hours >= 8' → 'event.hours >= 6'",
        "  ~ OWN-VOLUNTEERING: cap 4 per year → 6 per year",
        "Grades and points",
        "  ~ starting_points 1000 → 990",
        "  ~ A: min 970 → 960",
        "  ~ B: max 969 → 959",
        "Services",
        "  ~ public_housing: grade D: denied → review",
        "Event types",
        "  ~ volunteering: attribute hours: float, required, min 0.5, max 24 → float, required, min 0.5, max 12",
    ]


def test_rewriting_a_condition_without_changing_it_is_no_difference(rules_command, draft):
    draft.edit("rules.yaml", "when: event.hours >= 8", "when: \"(event.hours >= 8)\"")
    code, lines = rules_command("diff", SHIPPED, draft)
    assert lines[2:] == ["no differences in rules, grades, services, event types or agencies"]


def test_versions_by_hash_prefix_and_live(rules_command, draft, db):
    shipped = registry.current_policy()
    changed = load_policy(draft.edit("rules.yaml", "    points: 50\n", "    points: 60\n").path)
    for policy in (shipped, changed):
        PolicyVersion.objects.create(hash=policy.version, files=dict(policy.files))
    code, lines = rules_command("diff", "live", changed.version[:8])
    assert code == 0
    assert lines == [f"--- {shipped.version[:12]} (in force)", f"+++ {changed.version[:12]}", "Rules",
                     "  ~ SN-ELDERLY-CARE: points 50 → 60"]


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("abcd", "No stored policy version starts with 'abcd' (see 'manage.py rules versions')."),
        ("not-a-dir", "'not-a-dir' is neither a directory, a version hash prefix (4+ hex digits) nor 'live'."),
    ],
)
def test_unknown_versions(rules_command, db, reference, message):
    code, lines = rules_command("diff", "live", reference)
    assert code == 1 and lines == [f"CommandError: {message}"]


def test_ambiguous_prefix(rules_command, db):
    files = dict(registry.current_policy().files)
    PolicyVersion.objects.create(hash="abcd" + "0" * 60, files=files)
    PolicyVersion.objects.create(hash="abcd" + "1" * 60, files=files)
    code, lines = rules_command("diff", "live", "abcd")
    assert code == 1 and lines == ["CommandError: 'abcd' matches several versions (abcd000000000000, "
                                   "abcd111111111111): give more digits."]
