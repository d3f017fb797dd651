"""``rules publish``: check, test, then store a policy version that every running process switches to.

Refused (and nothing changes) when the policy has errors or a test fails, or, with
``retroactive``, when no simulation of exactly this draft against the policy in force
was recorded. Publishing is not retroactive by default: stored entries stand, and the
new rules apply to events reported from now on (by the day they occurred). Grades are
recomputed at once, since grade bands may have moved.
"""
from __future__ import annotations

import datetime as dt
import getpass
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from authoring.check import check_policy, format_problem
from authoring.impact import Impact
from authoring.testing import format_run, run_policy_tests
from core.exceptions import ApplicationError, ValidationFailed
from points.rescoring import RescoreReport, citizens_regrade, citizens_rescore
from rules import registry
from rules.models import PolicyVersion, SimulationRun
from rules.policy import Policy


class PublishRefused(ApplicationError):
    """The policy was not published; ``lines`` say why (file:line:col and rule where known)."""

    code = "publish_refused"
    http_status = 409

    def __init__(self, message: str, lines: list[str] | None = None):
        super().__init__(message, extra={"problems": list(lines or [])})
        self.lines = list(lines or [])


@dataclass
class PublishResult:
    version: PolicyVersion
    created: bool
    regraded: int
    rescore: RescoreReport | None


def default_author(author: str | None) -> str:
    return (author or "").strip() or getpass.getuser()


def policy_publish(*, directory: Path | str, message: str, author: str | None = None, retroactive: bool = False,
                   since: dt.date | None = None, now: dt.datetime | None = None, progress=None) -> PublishResult:
    """Publish the policy in ``directory`` (see the module docstring)."""
    now = now or timezone.now()
    author = default_author(author)
    if not (message or "").strip():
        raise ValidationFailed("A message saying what changed and why is required.",
                               field_errors={"message": ["required"]})
    policy, test_files = _checked_and_tested(directory)
    if retroactive:
        _require_simulation(policy, registry.current_policy(), since)
    version, created = _store(policy, test_files, directory, author, message.strip(), now)
    registry.install_policy(policy)  # this process at once; the others at their next version check
    rescore = None
    if retroactive:
        rescore = citizens_rescore(policy=policy, since=since, by=author, now=now, progress=progress)
        PolicyVersion.objects.filter(pk=version.pk).update(retroactive=True)
    regraded = citizens_regrade(policy=policy, at=now)
    version.refresh_from_db()
    return PublishResult(version, created, regraded, rescore)


def _checked_and_tested(directory) -> tuple[Policy, dict]:
    result = check_policy(directory)
    if result.errors:
        raise PublishRefused(f"Not published: {directory} has {len(result.errors)} errors.",
                             [format_problem(p, directory) for p in result.errors])
    run = run_policy_tests(result.policy, directory)
    if not run.ok:
        raise PublishRefused(f"Not published: the tests in {Path(directory) / 'tests'} do not pass.",
                             format_run(run, directory))
    return result.policy, run.files


def _require_simulation(policy: Policy, base: Policy, since: dt.date | None) -> None:
    run = SimulationRun.objects.filter(policy_hash=policy.version).order_by("-created_at", "-id").first()
    hint = f"run 'manage.py rules simulate DIR{f' --since {since}' if since else ''}' first"
    if run is None:
        raise PublishRefused(f"Not published: --retroactive needs a simulation of this draft "
                             f"(version {policy.version[:12]}); {hint}.")
    if run.since != since:
        raise PublishRefused(f"Not published: the simulation of {policy.version[:12]} replayed events since "
                             f"{run.since or 'the beginning'}, not {since or 'the beginning'}; {hint}.")
    if run.base_hash != base.version:
        raise PublishRefused(f"Not published: the simulation compared against version {run.base_hash[:12]}, but "
                             f"{base.version[:12]} is in force now; {hint}.")


def _store(policy: Policy, test_files: dict, directory, author: str, message: str, now) -> tuple[PolicyVersion, bool]:
    fields = {"files": dict(policy.files), "source": str(directory), "author": author, "message": message,
              "published": True, "published_at": now, "test_files": test_files}
    with transaction.atomic():
        version, created = PolicyVersion.objects.select_for_update().get_or_create(hash=policy.version,
                                                                                   defaults=fields)
        if not created:  # stored before (loaded from files, or published earlier: a roll-back)
            for name, value in fields.items():
                setattr(version, name, value)
            version.save()
    return version, created


def simulation_record(*, policy: Policy, base: Policy, since: dt.date | None, source: str, author: str | None,
                      impact: Impact, seconds: float, workers: int) -> SimulationRun:
    """Record a simulation run (publishing with --retroactive looks for it)."""
    summary = impact.as_json() | {"seconds": round(seconds, 3), "workers": workers}
    return SimulationRun.objects.create(policy_hash=policy.version, base_hash=base.version, since=since,
                                        source=str(source), author=default_author(author), summary=summary)
