"""manage.py rules simulate: the impact of a draft, checked against live scoring under that draft."""
import re

import pytest
from django.db import connection

from authoring.simulate import simulate
from citizens.models import Citizen
from points.models import Event, LedgerEntry
from points.synthetic import PILOT_START
from rules import registry
from rules.loader import load_policy
from rules.models import SimulationRun

from .conftest import CITIZENS, EVENTS, SHIPPED, edit_draft, ingest, scores


def test_simulating_the_policy_in_force_changes_nothing(make_citizen, agencies):
    residents = [make_citizen(birth_date=PILOT_START.date().replace(year=1950 + i)).resident_id
                 for i in range(CITIZENS)]
    ingest(residents)
    impact, _ = simulate(policy=load_policy(SHIPPED))
    assert (impact.citizens, impact.events, impact.scored) == (CITIZENS, EVENTS, EVENTS)
    assert (impact.events_changed, impact.score_changed, impact.grade_changed) == (0, 0, 0)
    assert impact.points_now == impact.points_draft == sum(Citizen.objects.values_list("score", flat=True))
    assert all(now == draft and n_now == n_draft for now, draft, n_now, n_draft in impact.rules.values())
    assert sum(impact.transitions[f"{g}>{g}"] for g in "ABCD") == CITIZENS


def test_draft_scores_match_live_scoring_under_the_draft(twins):
    group1, group2, policy = twins
    impact, _ = simulate(policy=policy)
    assert impact.points_draft - impact.points_now == sum(scores(group2)) - sum(scores(group1))
    predicted = {row[1]: row[4] for row in impact.largest_changes()}
    actual = dict(zip([c.pk for c in group1], scores(group2), strict=True))
    assert predicted and all(actual[pk] == score for pk, score in predicted.items())
    assert max(scores(group2)) == 1200  # clamping at the ceiling is part of what agrees
    assert impact.score_changed == sum(a != b for a, b in zip(scores(group1), scores(group2), strict=True))
    grades_draft = {c.pk: policy.grade_for(s) for c, s in zip(group1, scores(group2), strict=True)}
    changed = sum(Citizen.objects.get(pk=pk).grade != grade for pk, grade in grades_draft.items())
    assert impact.grade_changed == changed > 0


def test_points_per_rule_add_up(twins):
    group1, group2, policy = twins
    impact, _ = simulate(policy=policy)
    now = LedgerEntry.objects.filter(kind="rule", event__status="applied")
    for rule_id, (points_now, _draft, entries_now, _) in impact.rules.items():
        stored = now.filter(rule_id=rule_id)
        assert points_now == sum(stored.values_list("delta", flat=True))
        assert entries_now == stored.count()
    total_now = sum(row[0] for row in impact.rules.values())
    total_draft = sum(row[1] for row in impact.rules.values())
    assert total_draft - total_now == impact.points_draft - impact.points_now
    transitions = sum(impact.transitions.values())
    assert transitions == impact.citizens


def test_since_keeps_earlier_events_as_stored(twins):
    import datetime as dt

    _, _, policy = twins
    since = dt.date(2025, 6, 1)
    impact, _ = simulate(policy=policy, since=since)
    before = Event.objects.exclude(event_type="enrolment").filter(occurred_at__date__lt=since).count()
    assert impact.kept == before > 0 and impact.scored == impact.events - before
    everything, _ = simulate(policy=policy)
    assert 0 < impact.score_changed <= everything.score_changed


def test_events_the_draft_cannot_score_keep_their_entries(make_citizen, agencies, draft):
    citizen = make_citizen()
    ingest([citizen.resident_id])
    draft.edit("events.yaml", "        max: 24\n", "        max: 6\n")  # stored 8-hour days no longer validate
    impact, _ = simulate(policy=load_policy(draft.path))
    long_days = [e for e in Event.objects.filter(event_type="volunteering") if e.attributes["hours"] > 6]
    assert impact.unscorable == len(long_days) > 0
    assert impact.examples[0][1] == "attributes no longer valid: hours: must be at most 6"
    assert impact.score_changed == 0


def test_command_prints_the_report_and_records_the_run(twins, rules_command, tmp_path, draft):
    out = tmp_path / "report.html"
    code, lines = rules_command("simulate", draft, "--html", out, "--author", "ana")
    assert code == 0
    impact, _ = simulate(policy=load_policy(draft.path))
    assert lines[0] == (f"Simulation of draft {twins[2].version[:12]} ({draft}) against "
                        f"{registry.current_policy().version[:12]} (in force)")
    assert f"Citizens whose score changes: {impact.score_changed:,}" in lines[4]
    assert lines[lines.index("Grade transitions (rows: grade now; columns: grade under the draft)") + 1].split() == [
        "A", "B", "C", "D"]
    run = SimulationRun.objects.get()
    assert (run.policy_hash, run.author, run.since) == (twins[2].version, "ana", None)
    assert run.summary["score_changed"] == impact.score_changed
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") >= 3 and "<table>" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "the report must not load anything"


def test_command_refuses_a_broken_draft(rules_command, draft, db):
    draft.edit("rules.yaml", "    points: 50\n", "    points: fifty\n")
    code, lines = rules_command("simulate", draft)
    assert code == 1 and "points 'fifty'" in lines[0]
    assert not SimulationRun.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_processes_agree_with_one(make_citizen, agencies, draft):
    residents = [make_citizen(birth_date=PILOT_START.date().replace(year=1960 + i)).resident_id for i in range(40)]
    ingest(residents)
    policy = load_policy(edit_draft(draft).path)
    one, _ = simulate(policy=policy, workers=1)
    two, _ = simulate(policy=policy, workers=2)
    assert connection.vendor == "postgresql"
    assert one.as_json() == two.as_json()
    assert one.score_changed > 0


def test_command_refuses_a_bad_date(rules_command, draft, db):
    code, lines = rules_command("simulate", draft, "--since", "2025-13-01")
    assert code == 1 and lines == ["CommandError: Error: argument --since: invalid date '2025-13-01': "
                                   "write YYYY-MM-DD"]
