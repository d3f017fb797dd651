"""Fixtures for the rules package: the shipped policy and small policies written to tmp_path."""
from pathlib import Path

import pytest

from rules.loader import load_policy

SHIPPED = Path(__file__).resolve().parents[2] / "rules" / "policy"


def shipped_files() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in SHIPPED.glob("*.yaml")}


@pytest.fixture(scope="session")
def shipped():
    """The policy shipped in rules/policy (its engine is shared by the tests using it)."""
    policy = load_policy(SHIPPED)
    yield policy
    policy.close()


@pytest.fixture
def write_policy(tmp_path):
    """Write the shipped policy with some files replaced; returns the directory."""

    def write(**replacements: str) -> Path:
        files = shipped_files()
        for name, text in replacements.items():
            files[name.replace("_yaml", ".yaml")] = text
        for name, text in files.items():
            if text is not None:
                (tmp_path / name).write_text(text, encoding="utf-8")
        return tmp_path

    return write
