"""manage.py rules publish / versions: refusals, stored versions, switching without restart, re-scoring."""
import datetime as dt
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from authoring.simulate import simulate
from citizens.models import Citizen
from points.models import Event, GradeChange, LedgerEntry
from points.rescoring import citizens_rescore
from points.services import event_report
from points.synthetic import PILOT_START
from rules import registry
from rules.loader import load_policy
from rules.models import PolicyVersion, SimulationRun
from rules.published import PublishedPolicyResolver

from .conftest import SHIPPED, publishable_draft, scores

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def published():
    return PolicyVersion.objects.filter(published=True)


def test_a_policy_with_errors_is_not_published(rules_command, draft):
    draft.edit("rules.yaml", "    points: 50\n", "    points: fifty\n")
    code, lines = rules_command("publish", draft, "-m", "raise elderly care")
    assert code == 1
    assert lines == [
        f"{draft}/rules.yaml:15:13: error: points 'fifty' must be an integer or a reference like event.points "
        "[SN-ELDERLY-CARE]",
        f"CommandError: Not published: {draft} has 1 errors.",
    ]
    assert not published().exists() and registry.current_policy().directory == SHIPPED


def test_a_policy_failing_its_tests_is_not_published(rules_command, draft):
    draft.edit("rules.yaml", "    points: 50\n", "    points: 60\n")
    code, lines = rules_command("publish", draft, "-m", "raise elderly care")
    assert code == 1
    assert (f"  {draft}/tests/rules.yaml:7:7: event 1 (elderly_care on 2024-03-01): expected SN-ELDERLY-CARE +50 "
            "(expires never), got SN-ELDERLY-CARE +60 (expires never)") in lines
    assert lines[-1] == f"CommandError: Not published: the tests in {draft}/tests do not pass."
    assert not published().exists() and registry.current_policy().directory == SHIPPED


def test_a_policy_without_tests_is_not_published(rules_command, draft):
    for path in (draft.path / "tests").glob("*.yaml"):
        path.unlink()
    code, lines = rules_command("publish", draft, "-m", "no tests")
    assert code == 1 and lines[-1] == f"CommandError: Not published: the tests in {draft}/tests do not pass."
    assert not published().exists()


def test_a_message_is_required(rules_command, draft):
    code, lines = rules_command("publish", draft, "-m", "  ")
    assert code == 1 and lines == ["CommandError: A message saying what changed and why is required."]


def test_publish_stores_the_version_and_switches_this_process(rules_command, draft, make_citizen, agencies):
    publishable_draft(draft)
    code, lines = rules_command("publish", draft, "-m", "Raise elderly care to 70", "--author", "li.wei")
    policy = load_policy(draft.path)
    assert code == 0
    assert lines[0] == f"Policy {policy.version[:12]} published by li.wei: Raise elderly care to 70"
    version = published().get()
    assert (version.hash, version.author, version.message, version.retroactive) == (
        policy.version, "li.wei", "Raise elderly care to 70", False)
    assert version.files == dict(policy.files) and set(version.test_files) == {"tests/draft.yaml"}
    assert registry.current_policy().version == policy.version
    citizen = make_citizen()
    result = event_report(agency=agencies["civil_affairs"], resident_id=citizen.resident_id,
                          event_type="elderly_care", occurred_at=PILOT_START + dt.timedelta(days=30),
                          attributes={"months": 2}, idempotency_key="after-publish")
    assert [(e.delta, e.policy_version) for e in result.entries] == [(70, policy.version)]


def test_author_defaults_to_the_os_user(rules_command, draft):
    import getpass

    rules_command("publish", publishable_draft(draft), "-m", "x")
    assert published().get().author == getpass.getuser()


def test_versions_lists_every_version_and_marks_the_one_in_force(rules_command, draft):
    shipped = registry.current_policy()
    PolicyVersion.objects.create(hash=shipped.version, files=dict(shipped.files), source="rules/policy")
    rules_command("publish", publishable_draft(draft), "-m", "Raise elderly care\nlonger text", "--author", "ana")
    code, lines = rules_command("versions")
    assert code == 0
    new = load_policy(draft.path).version
    assert lines[1].startswith(f"* {new[:12]}") and lines[1].endswith("ana             Raise elderly care")
    assert lines[2].startswith(f"  {shipped.version[:12]}") and lines[2].endswith("(loaded from rules/policy)")
    assert lines[-1] == "* in force · R re-scored past events when published"


def test_publishing_new_grade_bands_regrades_citizens(rules_command, draft, make_citizen):
    citizens = [make_citizen(), make_citizen()]
    Citizen.objects.filter(pk=citizens[1].pk).update(score=1060)  # as if earned; only grades matter here
    rules_command("publish", publishable_draft(draft), "-m", "A from 1050")
    grades = {c.pk: Citizen.objects.get(pk=c.pk).grade for c in citizens}
    assert grades == {citizens[0].pk: "B", citizens[1].pk: "A"}
    change = GradeChange.objects.get(citizen=citizens[0], to_grade="B")
    assert (change.from_grade, change.score) == ("A", 1000)
    assert change.entry == LedgerEntry.objects.filter(citizen=citizens[0]).latest("id")
    assert not GradeChange.objects.filter(citizen=citizens[1], to_grade="B").exists()


# --- switching in running processes --------------------------------------------------------


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def resolver():
    clock = Clock()
    resolver = PublishedPolicyResolver(interval=1.0, clock=clock)
    registry.set_resolver(resolver)
    yield clock
    registry.set_resolver(None)


def store_published(policy, **fields):
    """What another process's 'rules publish' leaves in the database."""
    return PolicyVersion.objects.create(hash=policy.version, files=dict(policy.files), published=True,
                                        published_at=fields.pop("published_at", dt.datetime.now(dt.UTC)), **fields)


def test_running_process_switches_at_its_next_check(resolver, draft):
    shipped = registry.current_policy()  # checked at t=100: nothing published
    engine = shipped.engine()
    new = load_policy(publishable_draft(draft).path)
    store_published(new)
    resolver.now += 0.5
    with CaptureQueriesContext(connection) as queries:
        assert registry.current_policy() is shipped  # not checked again within the interval
    assert len(queries) == 0
    resolver.now += 0.5
    with CaptureQueriesContext(connection) as queries:
        current = registry.current_policy()
    assert current.version == new.version and len(queries) == 2  # newest hash, then its files
    assert engine.closed  # the old version's rulesets are freed


def test_the_check_costs_at_most_one_query_per_interval(resolver):
    registry.current_policy()
    with CaptureQueriesContext(connection) as queries:
        for _ in range(50):
            registry.current_policy()
        resolver.now += 1.0
        registry.current_policy()
        registry.current_policy()
    assert len(queries) == 1
    assert "rules_policyversion" in queries[0]["sql"] and "LIMIT 1" in queries[0]["sql"]


def test_a_stored_version_that_fails_to_load_is_skipped(resolver, caplog):
    shipped = registry.current_policy()
    broken = dict(shipped.files, **{"rules.yaml": "rules: ["})
    PolicyVersion.objects.create(hash="f" * 64, files=broken, published=True, published_at=dt.datetime.now(dt.UTC))
    resolver.now += 2
    with caplog.at_level(logging.ERROR, logger="rules.published"):
        assert registry.current_policy() is shipped
    assert "published policy ffffffffffff does not load; keeping" in caplog.text
    resolver.now += 2
    with CaptureQueriesContext(connection) as queries:
        assert registry.current_policy() is shipped
    assert len(queries) == 1  # it is not loaded again


def test_rolling_back_publishes_an_older_version_again(rules_command, draft, resolver):
    shipped = registry.current_policy()
    store_published(shipped, published_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    rules_command("publish", publishable_draft(draft), "-m", "new")
    assert registry.current_policy().version != shipped.version
    code, _ = rules_command("publish", SHIPPED, "-m", "roll back")
    assert code == 0 and registry.current_policy().version == shipped.version
    resolver.now += 5
    assert registry.current_policy().version == shipped.version
    assert PolicyVersion.objects.get(hash=shipped.version).message == "roll back"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_publishing_from_another_process_switches_this_one(draft):
    registry.set_resolver(PublishedPolicyResolver(interval=0))
    try:
        before = registry.current_policy()
        publishable_draft(draft)
        name = connection.settings_dict["NAME"]
        env = dict(os.environ, DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{name}", PYTHONPATH=str(ROOT))
        done = subprocess.run([sys.executable, "manage.py", "rules", "publish", str(draft), "-m", "from outside"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        after = registry.current_policy()
        assert after.version == load_policy(draft.path).version != before.version
    finally:
        registry.set_resolver(None)


# --- retroactive re-scoring --------------------------------------------------------------------


def test_retroactive_needs_a_simulation_of_the_same_draft(rules_command, draft, twins):
    code, lines = rules_command("publish", publishable_draft(draft), "-m", "x", "--retroactive")
    version = load_policy(draft.path).version
    assert code == 1 and lines == [
        f"CommandError: Not published: --retroactive needs a simulation of this draft (version {version[:12]}); "
        f"run 'manage.py rules simulate DIR' first."]
    assert not published().exists()
    SimulationRun.objects.create(policy_hash="0" * 64, base_hash=registry.current_policy().version)
    assert rules_command("publish", draft, "-m", "x", "--retroactive")[0] == 1
    rules_command("simulate", draft, "--since", "2025-01-01")
    code, lines = rules_command("publish", draft, "-m", "x", "--retroactive")
    assert code == 1 and "replayed events since 2025-01-01, not the beginning" in lines[0]
    assert not published().exists()
    assert not Event.objects.filter(status=Event.Status.VOIDED).exists()


def test_retroactive_needs_a_simulation_against_the_policy_in_force(rules_command, draft, twins):
    rules_command("simulate", publishable_draft(draft))
    registry.install_policy(load_policy(SHIPPED.parent / "policy"))  # same content: still fine
    SimulationRun.objects.update(base_hash="1" * 64)
    code, lines = rules_command("publish", draft, "-m", "x", "--retroactive")
    assert code == 1 and "compared against version 111111111111, but" in lines[0]


def chain_is_intact(citizen) -> bool:
    """Every entry links to the one before it, and the citizen's head is the last one."""
    entries = list(LedgerEntry.objects.filter(citizen=citizen).order_by("id"))
    links = all(e.prev_hash == (entries[i - 1].hash if i else "") for i, e in enumerate(entries))
    return links and citizen.ledger_head == entries[-1].hash


def test_retroactive_rescoring_is_exact(rules_command, draft, twins):
    group1, group2, policy = twins
    rules_command("simulate", publishable_draft(draft))
    predicted = SimulationRun.objects.get().summary
    code, lines = rules_command("publish", draft, "-m", "retro", "--retroactive", "--author", "ana")
    assert code == 0, lines
    # Group 1 now has exactly the scores live scoring under the draft gave group 2.
    assert scores(group1) == scores(group2)
    assert sum(scores(group1) + scores(group2)) == predicted["points_draft"]
    for citizen in Citizen.objects.all():
        assert citizen.score == sum(LedgerEntry.objects.filter(citizen=citizen).values_list("delta", flat=True))
        assert citizen.grade == policy.grade_for(citizen.score)
        assert chain_is_intact(citizen)
    voided = Event.objects.filter(status=Event.Status.VOIDED)
    assert voided.count() == predicted["events_changed"] > 0
    for event in voided:
        assert event.status_changed_by == "ana" and event.status_reason.startswith("Re-scored under policy")
        replacement = event.corrected_by.get()
        assert (replacement.status, replacement.policy_version) == ("applied", policy.version)
        assert (replacement.event_type, replacement.occurred_at, replacement.attributes) == (
            event.event_type, event.occurred_at, event.attributes)
        for original in event.entries.filter(kind="rule"):
            reversal = original.reversed_by
            assert (reversal.kind, reversal.delta, reversal.event_id) == ("reversal", -original.delta, event.pk)
    assert f"Re-scored {voided.count()} events of" in lines[-1]
    assert published().get().retroactive


def test_retroactive_rescoring_is_idempotent(rules_command, draft, twins):
    group1, _, policy = twins
    rules_command("simulate", publishable_draft(draft))
    rules_command("publish", draft, "-m", "retro", "--retroactive")
    count = LedgerEntry.objects.count()
    report = citizens_rescore(policy=registry.current_policy(), by="again")
    assert (report.events_rescored, LedgerEntry.objects.count()) == (0, count)
    impact, _ = simulate(policy=policy)
    assert (impact.events_changed, impact.score_changed) == (0, 0)


def test_retroactive_since_leaves_earlier_events_alone(rules_command, draft, twins):
    rules_command("simulate", publishable_draft(draft), "--since", "2025-06-01")
    rules_command("publish", draft, "-m", "retro", "--retroactive", "--since", "2025-06-01")
    voided = Event.objects.filter(status=Event.Status.VOIDED)
    assert voided.exists()
    assert all(e.occurred_at.astimezone(PILOT_START.tzinfo).date() >= dt.date(2025, 6, 1) for e in voided)
    assert SimulationRun.objects.get().summary["score_changed"] == sum(
        1 for c in Citizen.objects.all() if c.score != _score_before(c))


def _score_before(citizen) -> int:
    """The score without anything the re-scoring wrote."""
    written = LedgerEntry.objects.filter(citizen=citizen).filter(
        event__corrects__isnull=False) | LedgerEntry.objects.filter(citizen=citizen, kind="reversal")
    return citizen.score - sum(written.values_list("delta", flat=True))
