"""Fixtures for the policy-authoring commands: policy directories to edit, and a command runner."""
import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from citizens.models import Citizen
from points.ingest import events_ingest
from points.synthetic import PILOT_START, reports
from rules import registry
from rules.loader import load_policy

SHIPPED = Path(__file__).resolve().parents[2] / "rules" / "policy"


class Draft:
    """A copy of the shipped policy (with its tests) in a temporary directory, to edit."""

    def __init__(self, path: Path):
        self.path = path
        shutil.copytree(SHIPPED, path)

    def edit(self, name: str, old: str, new: str, count: int = 1) -> "Draft":
        file = self.path / name
        text = file.read_text(encoding="utf-8")
        assert text.count(old) >= count, f"{old!r} not in {name}"
        file.write_text(text.replace(old, new), encoding="utf-8")
        return self

    def write(self, name: str, text: str) -> "Draft":
        (self.path / name).parent.mkdir(parents=True, exist_ok=True)
        (self.path / name).write_text(text, encoding="utf-8")
        return self

    def only_tests(self, text: str) -> "Draft":
        """Replace the shipped test files with one file (for drafts that change what they pin down)."""
        for path in (self.path / "tests").glob("*.yaml"):
            path.unlink()
        return self.write("tests/draft.yaml", text)

    def __str__(self) -> str:
        return str(self.path)


@pytest.fixture
def draft(tmp_path):
    """A fresh copy of the shipped policy; ``draft.edit(file, old, new)`` changes it."""
    return Draft(tmp_path / "draft")


@pytest.fixture
def rules_command():
    """Run ``manage.py rules ...``; returns (exit code, stdout lines)."""

    def run(*args) -> tuple[int, list[str]]:
        out = io.StringIO()
        try:
            call_command("rules", *[str(a) for a in args], stdout=out)
            code = 0
        except CommandError as exc:
            code = exc.returncode
            out.write(f"CommandError: {exc}\n")
        return code, out.getvalue().splitlines()

    return run


@pytest.fixture(autouse=True)
def shipped_policy_in_force(settings):
    """Every test starts with the shipped policy in force and no resolver."""
    settings.POLICY_DIR = SHIPPED
    registry.reset()
    yield
    registry.reset()


CITIZENS, EVENTS = 24, 480


def edit_draft(draft):
    """Points, a condition, a cap and the grade bands change; big enough to hit the ceiling (once per draft)."""
    if getattr(draft, "edited", False):
        return draft
    draft.edited = True
    return (draft.edit("rules.yaml", "    points: 50\n", "    points: 70\n")
            .edit("rules.yaml", "when: event.hours >= 8", "when: event.hours >= 4")
            .edit("rules.yaml", "cap: {count: 2, per: year}", "cap: {count: 1, per: year}")
            .edit("grades.yaml", "min: 970", "min: 1050").edit("grades.yaml", "max: 969", "max: 1049"))


def ingest(residents, seed=3):
    """The same invented report stream (by position in ``residents``) for any group of citizens."""
    stream = [dict(r, idempotency_key=f"{residents[0]}-{r['idempotency_key']}") for r in reports(residents, EVENTS,
                                                                                                    seed=seed)]
    lines = [(n, json.dumps(r)) for n, r in enumerate(stream, start=1)]
    report = events_ingest(lines=lines, batch_size=100)
    assert report.rejected == []


@pytest.fixture
def twins(make_citizen, agencies, draft):
    """Two identical groups of citizens given the same reports: group 1 scored live under the shipped
    policy, group 2 scored live under the draft. Returns (group 1, group 2, draft policy)."""
    group1 = [make_citizen(birth_date=PILOT_START.date().replace(year=1950 + i), sex="MF"[i % 2])
              for i in range(CITIZENS)]
    group2 = [make_citizen(birth_date=c.birth_date, sex=c.sex, district=c.district) for c in group1]
    ingest([c.resident_id for c in group1])
    shipped = registry.current_policy()
    policy = load_policy(edit_draft(draft).path)
    registry.install_policy(policy)
    ingest([c.resident_id for c in group2])
    registry.install_policy(shipped)
    return group1, group2, policy


def scores(citizens):
    return [Citizen.objects.get(pk=c.pk).score for c in citizens]


EDITED_DRAFT_TESTS = """\
- name: Elderly care adds 70, four hours of volunteering count, one blood donation a year; A from 1050
  events:
    - {type: elderly_care, date: 2024-03-01, attributes: {months: 3}, expect: {SN-ELDERLY-CARE: 70}}
    - {type: volunteering, date: 2024-03-02, attributes: {hours: 4}, expect: {OWN-VOLUNTEERING: 5}}
    - {type: blood_donation, date: 2024-03-03, expect: {OWN-BLOOD-DONATION: 10}}
    - {type: blood_donation, date: 2024-04-03, expect: {}}
  score: 1085
  grade: A
- name: 1049 is grade B
  citizen: {score: 1049}
  grade: B
"""


def publishable_draft(draft):
    """edit_draft's changes, with tests that pin them down (so the draft can be published)."""
    return edit_draft(draft).only_tests(EDITED_DRAFT_TESTS)
