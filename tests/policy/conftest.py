"""Fixtures for the policy-authoring commands: policy directories to edit, and a command runner."""
import io
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from rules import registry

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
