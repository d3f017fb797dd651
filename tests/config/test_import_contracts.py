"""The apps' layers (``.importlinter``) hold: ``lint-imports`` finds no import that runs the wrong way."""
import configparser
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_the_apps_import_only_the_layers_below_them():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    """A copy of the apps with one upward import (points -> appeals) fails, naming the import."""
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    for package in config["importlinter"]["root_packages"].split():
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", tmp_path)
    (tmp_path / "points" / "upward_probe.py").write_text("from appeals.models import Appeal  # noqa: F401\n")

    result = lint_imports(tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "points is not allowed to import appeals" in result.stdout
    assert "points.upward_probe -> appeals.models" in result.stdout
