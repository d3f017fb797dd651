"""``manage.py rules check|test|simulate|publish|versions|diff``: thin wrappers over ``authoring``."""
from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext
from tqdm import tqdm

from authoring import check, diff, publish, report, simulate, testing, versions
from core.exceptions import ApplicationError
from rules import registry
from rules.errors import PolicyError


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
        message = gettext("invalid date '%(text)s': write YYYY-MM-DD") % {"text": text}
        raise argparse.ArgumentTypeError(message) from None


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
        one = sub.add_parser("simulate", help="replay stored events under a draft and report the impact")
        one.add_argument("directory")
        one.add_argument("--since", type=_date, help="replay only events that occurred on or after this day")
        one.add_argument("--html", metavar="FILE", help="also write a self-contained HTML report")
        one.add_argument("--workers", type=int, default=1, help="processes to use (default 1)")
        one.add_argument("--author", help="who ran it (default: the OS user)")
        one = sub.add_parser("publish", help="check, test and publish a policy; servers switch without restart")
        one.add_argument("directory")
        one.add_argument("-m", "--message", required=True, help="what changed and why")
        one.add_argument("--author", help="who publishes (default: the OS user)")
        one.add_argument("--retroactive", action="store_true",
                         help="re-score past events (needs a simulation of the same draft first)")
        one.add_argument("--since", type=_date, help="with --retroactive: only events on or after this day")
        sub.add_parser("versions", help="list stored policy versions")
        one = sub.add_parser("diff", help="rule-level differences between two versions")
        one.add_argument("old", help="hash prefix, directory or 'live'")
        one.add_argument("new", help="hash prefix, directory or 'live'")

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"handle_{action}")(**options)
        except publish.PublishRefused as exc:
            for line in exc.lines:
                self._line(line)
            raise CommandError(exc.message, returncode=1) from None
        except (ApplicationError, PolicyError) as exc:
            raise CommandError(getattr(exc, "message", str(exc)), returncode=1) from None

    def _line(self, text: str) -> None:
        self.stdout.write(text)

    def handle_check(self, *, directory, **_):
        result = check.check_policy(directory)
        for problem in result.problems:
            self._line(check.format_problem(problem, directory))
        errors, warnings = len(result.errors), len(result.problems) - len(result.errors)
        if errors:
            raise CommandError(gettext("%(dir)s: %(errors)d errors, %(warnings)d warnings")
                               % {"dir": directory, "errors": errors, "warnings": warnings}, returncode=1)
        self._line(gettext("%(dir)s: OK (%(rules)d rules, %(warnings)d warnings), version %(version)s")
                   % {"dir": directory, "rules": len(result.policy.rules), "warnings": warnings,
                      "version": result.policy.version[:12]})

    def _loaded(self, directory):
        """The policy in ``directory``, or its errors and exit 1."""
        result = check.check_policy(directory)
        if result.errors:
            for problem in result.errors:
                self._line(check.format_problem(problem, directory))
            raise CommandError(gettext("%(dir)s: the policy has errors; run 'rules check'") % {"dir": directory},
                               returncode=1)
        return result.policy

    def handle_test(self, *, directory, verbose=False, **_):
        run = testing.run_policy_tests(self._loaded(directory), directory)
        for line in testing.format_run(run, directory, verbose=verbose):
            self._line(line)
        if not run.ok:
            raise CommandError(gettext("%(dir)s: policy tests failed") % {"dir": directory}, returncode=1)

    def handle_simulate(self, *, directory, since=None, html=None, workers=1, author=None, **_):
        policy = self._loaded(directory)
        base = registry.current_policy()
        with tqdm(total=simulate.events_to_replay(), unit="event", desc="simulate", disable=None) as bar:
            impact, seconds = simulate.simulate(policy=policy, since=since, workers=workers, progress=bar.update)
        header = report.Header(policy.version, str(directory), base.version, str(since) if since else None,
                               seconds, workers)
        grades = [band.grade for band in policy.grades]
        self.stdout.write(report.render_text(impact, header, grades), ending="")
        if html:
            Path(html).write_text(report.render_html(impact, header, grades), encoding="utf-8")
            self._line(gettext("HTML report written to %(file)s") % {"file": html})
        publish.simulation_record(policy=policy, base=base, since=since, source=str(directory),
                                  author=author, impact=impact, seconds=seconds, workers=workers)

    def handle_publish(self, *, directory, message, author=None, retroactive=False, since=None, **_):
        if since and not retroactive:
            raise CommandError(gettext("--since only applies with --retroactive"), returncode=2)
        with tqdm(unit="citizen", desc="re-score", disable=None if retroactive else True) as bar:
            result = publish.policy_publish(directory=directory, message=message, author=author,
                                            retroactive=retroactive, since=since, progress=bar.update)
        version = result.version
        done = {"version": version.hash[:12], "author": version.author, "message": version.message}
        self._line((gettext("Policy %(version)s published by %(author)s: %(message)s") if result.created else
                    gettext("Policy %(version)s published again (already stored) by %(author)s: %(message)s")) % done)
        self._line(gettext("Running servers switch to it within %(seconds)s s; %(count)d citizens regraded.")
                   % {"seconds": f"{settings.POLICY_CHECK_SECONDS:g}", "count": result.regraded})
        if result.rescore is not None:
            r = result.rescore
            self._line(gettext("Re-scored %(events)d events of %(citizens)d citizens (%(reversals)d reversals, "
                         "%(entries)d new entries).") % {"events": r.events_rescored, "citizens": r.citizens_changed,
                                                        "reversals": r.reversals, "entries": r.entries})

    def handle_versions(self, **_):
        for line in versions.versions_table():
            self._line(line)

    def handle_diff(self, *, old, new, **_):
        before, after = versions.policy_named(old), versions.policy_named(new)
        self._line(f"--- {before.label}")
        self._line(f"+++ {after.label}")
        lines = diff.policy_diff(before.policy, after.policy)
        for line in lines or [gettext("no differences in rules, grades, services, event types or agencies")]:
            self._line(line)
