"""The policy's due-process grammar: deadlines, lifts between event types, and fair conditions,
each refused with the file:line of the mistake (as ``rules check`` prints it)."""
import subprocess
import sys

import pytest

from rules.errors import PolicyError
from rules.loader import load_policy
from tests.rules.conftest import SHIPPED, shipped_files

LIFT = "    lifts:\n      event_type: unpaid_court_judgment\n      date_attribute: paid_on\n"


def problems(write_policy, **files) -> list[str]:
    with pytest.raises(PolicyError) as info:
        load_policy(write_policy(**files))
    return str(info.value).splitlines()


@pytest.mark.parametrize(("replacement", "expected"), [
    ("    lifts:\n      event_type: unpaid_court_judgmnt\n      date_attribute: paid_on\n",
     "events.yaml:{line}:19: error: 'judgment_satisfied' lifts unknown event type 'unpaid_court_judgmnt'"),
    ("    lifts:\n      event_type: judgment_satisfied\n      date_attribute: paid_on\n",
     "events.yaml:{line}:19: error: event type 'judgment_satisfied' cannot lift itself"),
    ("    lifts:\n      event_type: unpaid_court_judgment\n      date_attribute: case_number\n",
     "events.yaml:{line2}:23: error: date_attribute 'case_number' must be a required date attribute of "
     "'judgment_satisfied'"),
])
def test_a_lift_names_another_known_type_and_a_required_date(write_policy, replacement, expected):
    events = shipped_files()["events.yaml"]
    assert LIFT in events
    line = events[:events.index(LIFT)].count("\n") + 2
    found = problems(write_policy, events_yaml=events.replace(LIFT, replacement))
    assert found == [expected.format(line=line, line2=line + 1)]


def test_conditions_on_protected_attributes_are_refused_and_on_districts_warned(write_policy):
    rules = shipped_files()["rules.yaml"]
    minor = "    when: event.severity == 'minor'\n"
    line = rules[:rules.index(minor)].count("\n") + 1
    unfair = rules.replace(minor, "    when: citizen.sex == 'M' and citizen.district != 'Wangji'\n")
    found = problems(write_policy, rules_yaml=unfair)
    assert found[0] == (f"rules.yaml:{line}:11: error: condition on protected attribute 'citizen.sex': rules may "
                        "not treat people differently by sex, ethnicity, religion [OWN-TRAFFIC-MINOR]")
    assert f"rules.yaml:{line}:34: warning: condition on 'citizen.district'" in found[1]
    religion = problems(write_policy, rules_yaml=rules.replace(minor, "    when: citizen.religion == 'x'\n"))
    assert religion[0].startswith(f"rules.yaml:{line}:11: error: condition on protected attribute 'citizen.religion'")


def test_rules_check_prints_the_file_and_line(write_policy):
    rules = shipped_files()["rules.yaml"].replace("    when: event.severity == 'minor'\n",
                                                  "    when: citizen.ethnicity == 'Han'\n")
    directory = write_policy(rules_yaml=rules)
    run = subprocess.run([sys.executable, "manage.py", "rules", "check", str(directory)], capture_output=True,
                         text=True, cwd=SHIPPED.parents[1])
    assert run.returncode != 0
    assert f"{directory}/rules.yaml:" in run.stdout and "protected attribute 'citizen.ethnicity'" in run.stdout


@pytest.mark.parametrize("name", ["appeal_deadline_days", "source_answer_days", "citizen_filing_days"])
def test_a_deadline_is_at_least_a_day(write_policy, name):
    grades = shipped_files()["grades.yaml"]
    changed = "\n".join(f"{name}: 0" if line.startswith(f"{name}:") else line for line in grades.splitlines())
    assert any(f"'{name}' must be at least 1" in p for p in problems(write_policy, grades_yaml=changed))
