"""The worked examples of docs/policy-authoring.md, applied to a draft: they check and test as the guide says."""

FARE_EVASION_TYPE = """
  fare_evasion:
    title:
      zh-hans: 乘坐公共交通逃票
      en: Fare evasion on public transport
    description:
      zh-hans: 无票乘车被处罚款，且处罚已生效。
      en: A fine for travelling without a ticket, once final.
    reported_by: [police]
    attributes:
      fine_yuan:
        type: int
        required: true
        min: 1
        description: {zh-hans: 罚款金额（元）。, en: The fine imposed.}
"""
FARE_EVASION_RULE = """
  - id: OWN-FARE-EVASION
    title: {zh-hans: 逃票, en: Fare evasion}
    explanation:
      zh-hans: 您因无票乘车被罚款，因此扣 10 分，有效期 1 年。
      en: You were fined for travelling without a ticket, so 10 points are deducted for 1 year.
    event_type: fare_evasion
    points: -10
    expires_after: 1y
    effective_from: 2027-01-01
    legal_basis: {zh-hans: 市议会第 2026/31 号决定第二条, en: "Council decision 2026/31, art. 2"}
"""
FARE_EVASION_TEST = """
- name: Fare evasion costs 10 points for a year, from 2027 only
  events:
    - {type: fare_evasion, date: 2026-12-31, attributes: {fine_yuan: 50}, expect: {}}
    - type: fare_evasion
      date: 2027-03-01
      attributes: {fine_yuan: 50}
      expect: {OWN-FARE-EVASION: {points: -10, expires_on: 2028-03-01}}
    - {type: fare_evasion, date: 2027-03-02, attributes: {fine_yuan: 0}, rejected: [fine_yuan]}
  score: 990
"""


def append(draft, name, text):
    path = draft.path / name
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_add_a_rule(rules_command, draft):
    append(draft, "events.yaml", FARE_EVASION_TYPE)
    append(draft, "rules.yaml", FARE_EVASION_RULE)
    draft.write("tests/fare_evasion.yaml", FARE_EVASION_TEST)
    assert rules_command("check", draft)[1][-1].startswith(f"{draft}: OK (12 rules, 0 warnings)")
    code, lines = rules_command("test", draft)
    assert code == 0 and lines[-1].endswith("passed, 0 failed (5 test files)")


def test_change_a_threshold(rules_command, draft):
    draft.edit("grades.yaml", "min: 970", "min: 960")
    assert rules_command("check", draft)[0] == 1  # the bands now overlap
    draft.edit("grades.yaml", "max: 969", "max: 959")
    assert rules_command("check", draft)[0] == 0
    code, lines = rules_command("test", draft)
    assert code == 1 and f"  {draft}/tests/grades.yaml:16:3: grade: expected B, got A (969 points)" in lines


def test_retire_a_rule_on_a_date(rules_command, draft):
    draft.edit("rules.yaml", "    expires_after: 1y  # our own value, not from the pilot\n",
               "    expires_after: 1y\n    effective_to: 2026-06-30\n")
    draft.write("tests/retired.yaml", """
- name: Minor violations stop counting after 30 June 2026
  events:
    - {type: traffic_violation, date: 2026-06-30, attributes: {severity: minor}, expect: {OWN-TRAFFIC-MINOR: -5}}
    - {type: traffic_violation, date: 2026-07-01, attributes: {severity: minor}, expect: {}}
""")
    assert rules_command("check", draft)[0] == 0
    code, lines = rules_command("test", draft)
    assert code == 0, lines
