"""Randomised, replayable streams of reports and retractions keep the ledger's invariants."""
import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citizens.models import Citizen
from points.models import Event, GradeChange, LedgerEntry
from points.services import event_report, event_retract
from points.synthetic import EVENT_MIX, PILOT_START
from rules.registry import current_policy

ACTIONS = st.lists(
    st.tuples(st.sampled_from(range(len(EVENT_MIX))), st.integers(0, 900), st.booleans(), st.integers(0, 10**6)),
    min_size=1, max_size=25,
)


@given(actions=ACTIONS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_score_is_starting_points_plus_deltas_and_grade_matches(make_citizen, agencies, actions):
    import random

    citizen = make_citizen()
    policy = current_policy()
    applied = []
    for number, (mix, day, retract, seed) in enumerate(actions):
        event_type, agency, _, make_attributes = EVENT_MIX[mix]
        result = event_report(
            agency=agencies[agency], resident_id=citizen.resident_id, event_type=event_type,
            occurred_at=PILOT_START + datetime.timedelta(days=day),
            attributes=make_attributes(random.Random(seed)), idempotency_key=f"p{citizen.pk}-{number}",
        )
        applied.append(result.event)
        if retract:
            oldest = applied.pop(0)
            event_retract(event=oldest, agency=oldest.agency, reason="replayed correction")
    citizen = Citizen.objects.get(pk=citizen.pk)
    deltas = list(LedgerEntry.objects.filter(citizen=citizen).order_by("id").values_list("delta", "balance_after"))
    running = 0
    for delta, balance in deltas:
        running += delta
        assert balance == running
    assert citizen.score == running == policy.starting_points + sum(d for d, _ in deltas[1:])
    assert citizen.grade == policy.grade_for(citizen.score)
    last_change = GradeChange.objects.filter(citizen=citizen).order_by("-id").first()
    assert last_change.to_grade == citizen.grade
    live = Event.objects.filter(citizen=citizen, status="applied").exclude(event_type="enrolment")
    assert sum(e.delta for ev in live for e in ev.entries.all()) == citizen.score - policy.starting_points
