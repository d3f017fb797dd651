"""Four-eyes official adjustments: nothing moves until a second official approves; both names on the record."""
import pytest
from django.contrib.auth.models import Group

from core.exceptions import Forbidden, InvalidState, ValidationFailed
from officials.models import AdjustmentProposal
from officials.services import adjustment_approve, adjustment_propose, adjustment_reject
from points.models import Event, LedgerEntry

pytestmark = pytest.mark.django_db
ADD = "/admin/officials/adjustmentproposal/add/"


def propose(client, citizen, points=30, reason="Fine paid to the wrong account; court confirmed payment"):
    return client.post(ADD, {"citizen": citizen.pk, "points": points, "reason": reason}, follow=True)


def url(proposal, action):
    return f"/admin/officials/adjustmentproposal/{proposal.pk}/{action}/"


def test_adjustment_applies_only_after_a_second_official_approves(client, official, second_official, citizen):
    start = citizen.score
    client.force_login(official)
    propose(client, citizen)
    proposal = AdjustmentProposal.objects.get()
    citizen.refresh_from_db()
    assert proposal.status == "pending" and proposal.proposed_by == official
    assert citizen.score == start and not Event.objects.filter(event_type="official_adjustment").exists()

    page = client.get(url(proposal, "change")).content.decode()
    assert "approve-adjustment" not in page and "Not applied yet" in page
    response = client.post(url(proposal, "approve"), follow=True)
    assert "cannot approve it" in response.content.decode()
    proposal.refresh_from_db()
    citizen.refresh_from_db()
    assert proposal.status == "pending" and citizen.score == start

    client.force_login(second_official)
    assert "approve-adjustment" in client.get(url(proposal, "change")).content.decode()
    response = client.post(url(proposal, "approve"), follow=True)
    assert "approved and applied (+30 points)" in response.content.decode()
    proposal.refresh_from_db()
    citizen.refresh_from_db()
    assert citizen.score == start + 30
    assert proposal.status == "approved" and proposal.approved_by == second_official
    event = proposal.event
    assert event.event_type == "official_adjustment" and event.reported_by == second_official
    assert event.attributes == {"points": 30, "reason": proposal.reason}
    assert event.idempotency_key == f"adjustment:{proposal.pk}"
    entry = LedgerEntry.objects.get(event=event)
    assert entry.delta == 30 and entry.balance_after == citizen.score
    # Both names show on the citizen's ledger.
    detail = client.get(f"/admin/citizens/citizen/{citizen.pk}/change/").content.decode()
    assert "proposed by official1, approved by official2" in detail


def test_approving_twice_applies_once(client, official, second_official, citizen):
    proposal = adjustment_propose(citizen=citizen, points=-20, reason="Unreported fine", user=official)
    adjustment_approve(proposal=proposal, user=second_official)
    with pytest.raises(InvalidState):
        adjustment_approve(proposal=proposal, user=second_official)
    citizen.refresh_from_db()
    assert LedgerEntry.objects.filter(citizen=citizen, event__event_type="official_adjustment").count() == 1
    assert citizen.score == 1000 - 20


def test_auditors_and_policy_authors_cannot_propose_or_approve(client, official, auditor, policy_author, citizen):
    proposal = adjustment_propose(citizen=citizen, points=10, reason="r", user=official)
    for user in (auditor, policy_author):
        client.force_login(user)
        assert client.get(ADD).status_code == 403
        assert propose(client, citizen).status_code == 403
        assert client.post(url(proposal, "approve")).status_code == 403
        assert client.post(url(proposal, "reject"), {"reason": "no"}).status_code == 403
        with pytest.raises(Forbidden):
            adjustment_approve(proposal=proposal, user=user)
    proposal.refresh_from_db()
    assert proposal.status == "pending" and AdjustmentProposal.objects.count() == 1


def test_reject_needs_a_reason_and_changes_no_points(client, official, second_official, citizen):
    proposal = adjustment_propose(citizen=citizen, points=50, reason="Helped in the flood", user=official)
    client.force_login(second_official)
    client.post(url(proposal, "reject"), {"reason": ""})
    proposal.refresh_from_db()
    assert proposal.status == "pending"
    client.post(url(proposal, "reject"), {"reason": "No evidence attached"})
    proposal.refresh_from_db()
    citizen.refresh_from_db()
    assert proposal.status == "rejected" and proposal.rejected_by == second_official
    assert proposal.rejection_reason == "No evidence attached" and citizen.score == 1000
    response = client.post(url(proposal, "approve"), follow=True)
    assert "already rejected" in response.content.decode()
    assert not Event.objects.filter(event_type="official_adjustment").exists()


def test_proposal_is_checked_against_the_policy(client, official, citizen):
    client.force_login(official)
    response = propose(client, citizen, points=5000)
    assert response.status_code == 200 and not AdjustmentProposal.objects.exists()
    assert response.context["adminform"].form.errors
    response = propose(client, citizen, points=0)
    assert not AdjustmentProposal.objects.exists()
    with pytest.raises(ValidationFailed):
        adjustment_propose(citizen=citizen, points=10, reason="  ", user=official)


def test_proposals_are_never_edited_or_deleted(client, superuser, official, citizen):
    proposal = adjustment_propose(citizen=citizen, points=10, reason="r", user=official)
    client.force_login(superuser)
    change = url(proposal, "change")
    assert client.post(change, {"points": 200, "reason": "x"}).status_code == 403
    assert client.post(url(proposal, "delete"), {"post": "yes"}).status_code == 403
    proposal.refresh_from_db()
    assert proposal.points == 10


def test_superuser_status_grants_no_duty(superuser, official, citizen):
    """Superusers administer accounts; acting on a record needs a role (points.duties.holds)."""
    with pytest.raises(Forbidden, match="may not propose"):
        adjustment_propose(citizen=citizen, points=10, reason="r", user=superuser)
    proposal = adjustment_propose(citizen=citizen, points=10, reason="r", user=official)
    with pytest.raises(Forbidden, match="may not approve"):
        adjustment_approve(proposal=proposal, user=superuser)


def test_superuser_in_the_officials_group_cannot_approve_their_own_proposal_either(roles, superuser, citizen):
    superuser.groups.add(Group.objects.get(name="Officials"))
    proposal = adjustment_propose(citizen=citizen, points=10, reason="r", user=superuser)
    with pytest.raises(Forbidden, match="cannot approve"):
        adjustment_approve(proposal=proposal, user=superuser)


def test_proposer_may_withdraw_their_own(official, citizen):
    proposal = adjustment_propose(citizen=citizen, points=10, reason="r", user=official)
    adjustment_reject(proposal=proposal, user=official, reason="Typed the wrong citizen")
    proposal.refresh_from_db()
    assert proposal.status == "rejected"
