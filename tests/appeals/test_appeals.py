"""Appeals: filed → under review → upheld (event voided, exact score restored) or rejected."""
import datetime
import io

import pytest
from django.core.management import call_command

from appeals.models import Appeal
from appeals.selectors import appeals_overdue
from appeals.services import appeal_file, appeal_reject, appeal_start_review, appeal_uphold
from citizens.models import Citizen
from core.exceptions import InvalidState, ValidationFailed
from points.models import Event, GradeChange, LedgerEntry
from points.selectors import eligibility, eligibility_all
from points.services import event_retract
from tests.fixtures.reporting import WHEN

FILED = datetime.datetime(2025, 4, 1, 9, 30, tzinfo=WHEN.tzinfo)


@pytest.fixture
def convicted(make_citizen, report):
    """A citizen at 930 (grade B): -50 drunk driving (the contested event), then -20 traffic."""
    citizen = make_citizen()
    contested = report(citizen, "drunk_driving_conviction").event
    report(citizen, "traffic_violation", {"severity": "serious"}, occurred_at=WHEN + datetime.timedelta(days=1))
    citizen.refresh_from_db()
    assert (citizen.score, citizen.grade) == (930, "B")
    return citizen, contested


def file(event, **kwargs):
    return appeal_file(event=event, grounds="The fine was paid; the account number was mistyped.", by="clerk",
                       now=kwargs.pop("now", FILED), **kwargs)


def test_upheld_appeal_restores_exact_score_and_grade(convicted):
    citizen, event = convicted
    appeal = file(event)
    appeal_start_review(appeal=appeal, by="reviewer", now=FILED + datetime.timedelta(days=2))
    appeal = appeal_uphold(appeal=appeal, reasons="Court confirms the judgment was paid.", by="reviewer",
                           now=FILED + datetime.timedelta(days=5))
    citizen.refresh_from_db()
    assert (citizen.score, citizen.grade) == (980, "A")  # 930 + 50: exactly as if the event never counted
    assert citizen.score == sum(LedgerEntry.objects.filter(citizen=citizen).values_list("delta", flat=True))
    reversal = LedgerEntry.objects.get(citizen=citizen, kind="reversal")
    assert reversal.delta == 50 and reversal.reverses.event == event
    assert reversal.reason == f"Appeal #{appeal.pk} upheld: Court confirms the judgment was paid."
    event.refresh_from_db()
    assert (event.status, event.status_changed_by) == ("voided", "reviewer")
    assert GradeChange.objects.filter(citizen=citizen).latest("id").to_grade == "A"
    assert (appeal.state, appeal.decided_by) == ("upheld", "reviewer")
    steps = [(t.from_state, t.to_state, t.by) for t in appeal.transitions.all()]
    assert steps == [("", "filed", "clerk"), ("filed", "under_review", "reviewer"),
                     ("under_review", "upheld", "reviewer")]


def test_rejected_appeal_keeps_score_and_grade_and_records_reasons(convicted):
    citizen, event = convicted
    appeal = file(event)
    appeal_start_review(appeal=appeal, by="reviewer")
    with pytest.raises(ValidationFailed) as error:
        appeal_reject(appeal=appeal, reasons="  ", by="reviewer")
    assert error.value.field_errors == {"reasons": ["required"]}
    appeal = appeal_reject(appeal=appeal, reasons="The conviction is final (case 17).", by="reviewer")
    citizen.refresh_from_db()
    assert (citizen.score, citizen.grade) == (930, "B")
    assert not LedgerEntry.objects.filter(citizen=citizen, kind="reversal").exists()
    assert Event.objects.get(pk=event.pk).status == "applied"
    stored = Appeal.objects.get(pk=appeal.pk)
    assert (stored.state, stored.decision_reasons) == ("rejected", "The conviction is final (case 17).")
    assert stored.transitions.last().reasons == "The conviction is final (case 17)."


@pytest.mark.parametrize("steps, action", [
    ([], "uphold"),                        # must be under review first
    ([], "reject"),
    (["review"], "review"),                # twice
    (["review", "uphold"], "reject"),      # decided appeals are closed
    (["review", "reject"], "uphold"),
    (["review", "reject"], "review"),
])
def test_invalid_transitions_raise_invalid_state(convicted, steps, action):
    _, event = convicted
    appeal = file(event)
    do = {
        "review": lambda a: appeal_start_review(appeal=a, by="r"),
        "uphold": lambda a: appeal_uphold(appeal=a, reasons="yes", by="r"),
        "reject": lambda a: appeal_reject(appeal=a, reasons="no", by="r"),
    }
    for step in steps:
        appeal = do[step](appeal)
    before = Appeal.objects.get(pk=appeal.pk).state
    with pytest.raises(InvalidState):
        do[action](appeal)
    assert Appeal.objects.get(pk=appeal.pk).state == before
    assert Appeal.objects.get(pk=appeal.pk).transitions.count() == 1 + len(steps)


def test_filing_rules(convicted, make_citizen):
    citizen, event = convicted
    with pytest.raises(ValidationFailed):
        appeal_file(event=event, grounds="", by="clerk")
    first = file(event)
    with pytest.raises(InvalidState, match="already has an open appeal"):
        file(event)
    opening = Event.objects.get(citizen=citizen, event_type="enrolment")
    with pytest.raises(InvalidState, match="enrolment"):
        file(opening)
    appeal_start_review(appeal=first, by="r")
    appeal_reject(appeal=first, reasons="stands", by="r")
    second = file(event)  # a new appeal after a decision, e.g. with new evidence
    assert second.pk != first.pk and second.deadline == datetime.date(2025, 5, 1)  # filed 1 April + 30 days


def test_voided_event_cannot_be_appealed(convicted, agencies):
    _, event = convicted
    event_retract(event=event, reason="wrong person", agency=agencies["court"])
    with pytest.raises(InvalidState, match="retracted"):
        file(event)


def test_upholding_after_the_agency_retracted_reverses_nothing_twice(convicted, agencies):
    citizen, event = convicted
    appeal = file(event)
    appeal_start_review(appeal=appeal, by="r")
    event_retract(event=event, reason="our mistake", agency=agencies["court"])
    appeal = appeal_uphold(appeal=appeal, reasons="Agency withdrew the report.", by="r")
    citizen.refresh_from_db()
    assert citizen.score == 980 and LedgerEntry.objects.filter(citizen=citizen, kind="reversal").count() == 1
    assert "already been retracted" in appeal.decision_reasons


def test_eligibility_says_decision_is_under_appeal_while_open(convicted):
    citizen, event = convicted
    assert eligibility(citizen=citizen, service_code="driving_licence").under_appeal_since is None
    appeal = file(event)
    decision = eligibility(citizen=citizen, service_code="driving_licence")
    assert decision.under_appeal_since == datetime.date(2025, 4, 1)
    assert "Decision under appeal since 2025-04-01" in decision.reason
    assert all(d.under_appeal_since == datetime.date(2025, 4, 1) for d in eligibility_all(citizen=citizen))
    appeal_start_review(appeal=appeal, by="r")
    assert "under appeal" in eligibility(citizen=citizen, service_code="driving_licence").reason
    appeal_reject(appeal=appeal, reasons="stands", by="r")
    decision = eligibility(citizen=citizen, service_code="driving_licence")
    assert decision.under_appeal_since is None and "under appeal" not in decision.reason


def test_overdue_listing(convicted, make_citizen, report):
    citizen, event = convicted
    other = make_citizen()
    late = file(event, now=FILED)                                               # due 2025-05-01
    decided_event = report(other, "traffic_violation", {"severity": "minor"}).event
    decided = file(decided_event, now=FILED)
    appeal_start_review(appeal=decided, by="r")
    appeal_reject(appeal=decided, reasons="stands", by="r")                     # closed: never overdue
    recent_event = report(other, "unpaid_court_judgment").event
    recent = file(recent_event, now=FILED + datetime.timedelta(days=20))        # due 2025-05-21
    assert list(appeals_overdue(today=datetime.date(2025, 5, 1))) == []         # the deadline day itself is fine
    assert list(appeals_overdue(today=datetime.date(2025, 5, 2))) == [late]
    assert list(appeals_overdue(today=datetime.date(2025, 6, 1))) == [late, recent]
    out = io.StringIO()
    call_command("appeals", "overdue", "--date", "2025-05-10", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"#{late.pk}\t{citizen.resident_id}\tevent #{event.pk}")
    assert "9 days overdue" in lines[0]
    assert lines[-1] == "1 overdue appeal(s) on 2025-05-10."


def test_eligibility_of_an_unsaved_citizen_has_no_appeal(convicted):
    """The policy test runner asks eligibility for citizens it never saves."""
    citizen, _ = convicted
    unsaved = Citizen(resident_id=citizen.resident_id, name="x", birth_date=citizen.birth_date, sex="M",
                      district="Suicheng", enrolled_at=citizen.enrolled_at, score=930, grade="B")
    assert eligibility(citizen=unsaved, service_code="driving_licence").under_appeal_since is None
