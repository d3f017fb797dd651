"""``manage.py rules check|test|simulate|publish|versions|diff``: thin wrappers over ``rules.authoring``."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from rules.authoring import check, testing


def _default_dir() -> str:
    """settings.POLICY_DIR, relative to the working directory when it lies inside it."""
    path = Path(settings.POLICY_DIR)
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"invalid date '{text}': write YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "Policy authoring: check, test, simulate, publish, list versions and diff them."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        default_dir = _default_dir()
        one = sub.add_parser("check", help="validate every policy file; exit 1 on any error")
        one.add_argument("directory", nargs="?", default=default_dir)
        one = sub.add_parser("test", help="run the YAML test cases in DIR/tests; exit 1 on any failure")
        one.add_argument("directory", nargs="?", default=default_dir)
        one.add_argument("-v", "--verbose", action="store_true", help="also list the cases that pass")

    def handle(self, *args, action, **options):
        getattr(self, f"handle_{action}")(**options)

    def _line(self, text: str) -> None:
        self.stdout.write(text)

    def handle_check(self, *, directory, **_):
        result = check.check_policy(directory)
        for problem in result.problems:
            self._line(check.format_problem(problem, directory))
        errors, warnings = len(result.errors), len(result.problems) - len(result.errors)
        if errors:
            raise CommandError(f"{directory}: {errors} errors, {warnings} warnings", returncode=1)
        self._line(f"{directory}: OK ({len(result.policy.rules)} rules, {warnings} warnings), "
                   f"version {result.policy.version[:12]}")

    def handle_test(self, *, directory, verbose=False, **_):
        result = check.check_policy(directory)
        if result.errors:
            for problem in result.errors:
                self._line(check.format_problem(problem, directory))
            raise CommandError(f"{directory}: the policy has errors; run 'rules check'", returncode=1)
        run = testing.run_policy_tests(result.policy, directory)
        for line in testing.format_run(run, directory, verbose=verbose):
            self._line(line)
        if not run.ok:
            raise CommandError(f"{directory}: policy tests failed", returncode=1)
