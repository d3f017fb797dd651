"""Every environment variable the settings read has a row in the README's settings table."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ = re.compile(r"""os\.environ\.get\(\s*["']([A-Z][A-Z0-9_]*)["']"""  # os.environ.get("NAME", ...)
                  r"""|["']([A-Z][A-Z0-9_]*)["']\s+(?:not\s+)?in\s+os\.environ""")  # "NAME" (not) in os.environ


def read_by(path: Path) -> set[str]:
    return {a or b for a, b in READ.findall(path.read_text())}


def readme_table() -> set[str]:
    text = (ROOT / "README.md").read_text()
    table = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", row)}


def test_every_variable_the_settings_read_is_in_the_readme():
    variables = read_by(ROOT / "config/settings.py") | read_by(ROOT / "config/settings_production.py")
    variables.add("DATABASE_URL")  # read by dj_database_url.config()
    assert {"SECRET_KEY", "LOG_LEVEL", "POLICY_CHECK_SECONDS"} <= variables  # the pattern finds what it must
    assert sorted(variables - readme_table()) == []


def test_the_readme_lists_no_variable_nothing_reads():
    variables = read_by(ROOT / "config/settings.py") | read_by(ROOT / "config/settings_production.py")
    tests_only = {"TEST_DB_SUPERUSER"}  # read by tests/dbroles.py
    assert sorted(readme_table() - variables - tests_only - {"DATABASE_URL"}) == []
