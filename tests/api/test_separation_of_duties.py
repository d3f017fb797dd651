"""Separation of duties through /api/v1/: the issue's reproduced attacks, each refused.

Where points move outside an agency's own report, one official alone cannot move them: an approved
adjustment is neither retracted nor corrected (a new four-eyes adjustment undoes it), and an appeal
is reviewed and decided by an official who neither filed it nor proposed or approved the contested
adjustment. The services enforce it (points.duties), so the admin obeys too
(tests/officials/test_separation_of_duties_admin.py); the database refuses what the data allows.
"""
import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from appeals.models import Appeal
from officials.models import AdjustmentProposal
from officials.services import adjustment_approve, adjustment_propose
from points.models import Event
from tests.api.conftest import assert_error, basic_client, staff_user


@pytest.fixture
def adjustment(make_citizen, official, second_official):
    """An approved adjustment: proposed by ``official``, approved by ``second_official``."""

    def make(points):
        citizen = make_citizen()
        proposal = adjustment_propose(citizen=citizen, points=points, reason="Court confirmed payment",
                                      user=official)
        proposal = adjustment_approve(proposal=proposal, user=second_official)
        citizen.refresh_from_db()
        return citizen, proposal.event

    return make


def _score(citizen):
    citizen.refresh_from_db()
    return citizen.score


def test_no_official_retracts_an_approved_adjustment(adjustment, as_official, as_second_official):
    citizen, event = adjustment(10)
    before = _score(citizen)
    third = basic_client(staff_user("official3").username)
    for client in (as_official, as_second_official, third):
        body = assert_error(client.post(f"/api/v1/events/{event.pk}/retract/", {"reason": "undo"}),
                            409, "invalid_state")
        assert "new adjustment" in body["message"]
    assert (_score(citizen), Event.objects.get(pk=event.pk).status) == (before, "applied")


def test_an_approved_plus_10_is_not_corrected_into_plus_200(adjustment, as_official):
    citizen, event = adjustment(10)
    before = _score(citizen)
    body = {"attributes": {"points": 200, "reason": "Court confirmed payment"}, "reason": "typo"}
    answer = assert_error(as_official.post(f"/api/v1/events/{event.pk}/correct/", body, format="json"),
                          409, "invalid_state")
    assert "second official" in answer["message"]
    assert (_score(citizen), Event.objects.get(pk=event.pk).status) == (before, "applied")
    assert not Event.objects.filter(corrects=event).exists()


def test_one_official_cannot_file_review_and_uphold_against_a_minus_150(adjustment, official, as_official):
    citizen, event = adjustment(-150)
    before = _score(citizen)
    filed = as_official.post(f"/api/v1/events/{event.pk}/appeals/", {"grounds": "Wrong person."})
    assert filed.status_code == 201, filed.content
    appeal = f"/api/v1/appeals/{filed.json()['id']}/"
    body = assert_error(as_official.post(appeal + "review/", {}), 403, "forbidden")
    assert "filed" in body["message"]
    assert Appeal.objects.get().state == "filed" and _score(citizen) == before


def test_the_adjustments_own_officials_cannot_decide_the_appeal(adjustment, as_official, as_second_official):
    """The proposer files on the citizen's behalf; the approver may not review the appeal against their act."""
    citizen, event = adjustment(-150)
    appeal = as_official.post(f"/api/v1/events/{event.pk}/appeals/", {"grounds": "Wrong person."}).json()["id"]
    body = assert_error(as_second_official.post(f"/api/v1/appeals/{appeal}/review/", {}), 403, "forbidden")
    assert "adjustment" in body["message"]


def test_a_third_official_upholds_and_the_points_come_back(adjustment, as_official):
    citizen, event = adjustment(-150)
    before = _score(citizen)
    appeal = as_official.post(f"/api/v1/events/{event.pk}/appeals/", {"grounds": "Wrong person."}).json()["id"]
    third = basic_client(staff_user("official3").username)
    assert third.post(f"/api/v1/appeals/{appeal}/review/", {}).status_code == 200
    # The reviewer may also decide: the second pair of eyes is the filer's.
    upheld = third.post(f"/api/v1/appeals/{appeal}/uphold/", {"reasons": "Another person's record."})
    assert upheld.status_code == 200, upheld.content
    assert (upheld.json()["state"], upheld.json()["decided_by"]) == ("upheld", "official3")
    assert _score(citizen) == before + 150 and Event.objects.get(pk=event.pk).status == "voided"


def test_the_filer_cannot_reject_either(make_citizen, report_event, as_official, as_second_official):
    event = report_event(make_citizen())
    appeal = as_official.post(f"/api/v1/events/{event.pk}/appeals/", {"grounds": "Not me."}).json()["id"]
    as_second_official.post(f"/api/v1/appeals/{appeal}/review/", {})
    assert_error(as_official.post(f"/api/v1/appeals/{appeal}/reject/", {"reasons": "stands"}), 403, "forbidden")
    assert Appeal.objects.get().state == "under_review"


@pytest.fixture
def report_event(as_agency):
    def make(citizen):
        from tests.api.conftest import report_body

        response = as_agency("court").post("/api/v1/events/", report_body(citizen, "drunk_driving_conviction"))
        assert response.status_code == 201, response.content
        return Event.objects.get(pk=response.json()["event_id"])

    return make


def test_the_database_refuses_a_decision_by_the_filer(make_citizen, report_event, official):
    """Written around the service with QuerySet.update(): the check constraint still says no."""
    event = report_event(make_citizen())
    appeal = Appeal.objects.create(event=event, citizen=event.citizen, filed_by="official", filed_at=timezone.now(),
                                   channel="api", grounds="x", deadline=timezone.localdate(), policy_version="v")
    with pytest.raises(IntegrityError), transaction.atomic():
        Appeal.objects.filter(pk=appeal.pk).update(state="upheld", decided_by="official", decided_at=timezone.now(),
                                                   decision_reasons="self-approved")
    Appeal.objects.filter(pk=appeal.pk).update(state="upheld", decided_by="official2", decided_at=timezone.now(),
                                               decision_reasons="independent")


def test_the_database_refuses_an_adjustment_approved_by_its_proposer(adjustment, official):
    _, event = adjustment(10)
    approved = AdjustmentProposal.objects.filter(event=event)
    with pytest.raises(IntegrityError), transaction.atomic():
        approved.update(approved_by=official)  # otherwise consistent: only the four-eyes check fails
    assert approved.get().approved_by.username == "official2"
