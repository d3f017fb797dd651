"""Separation of duties through the admin door: the same service rules as /api/v1/ (see tests/api)."""
import pytest

from appeals.models import Appeal
from officials.services import adjustment_approve, adjustment_propose
from points.models import Event
from tests.fixtures.admin import make_user


@pytest.fixture
def adjustment(official, second_official, citizen):
    """An approved -150 adjustment: proposed by official1, approved by official2."""
    proposal = adjustment_propose(citizen=citizen, points=-150, reason="Unpaid fine", user=official)
    return adjustment_approve(proposal=proposal, user=second_official).event


@pytest.fixture
def third_official(roles):
    return make_user("official3", "Officials")


def test_no_official_retracts_an_adjustment_in_the_admin(client, adjustment, third_official, citizen):
    citizen.refresh_from_db()
    before = citizen.score
    client.force_login(third_official)
    page = client.post(f"/admin/points/event/{adjustment.pk}/retract/", {"reason": "undo"}, follow=True)
    assert "cannot be retracted" in page.content.decode()
    citizen.refresh_from_db()
    assert (citizen.score, Event.objects.get(pk=adjustment.pk).status) == (before, "applied")


def test_no_official_corrects_an_adjustment_in_the_admin(client, adjustment, third_official):
    client.force_login(third_official)
    page = client.post(f"/admin/points/event/{adjustment.pk}/correct/",
                       {"attribute_points": 200, "attribute_reason": "Unpaid fine", "reason": "typo"})
    assert page.status_code == 200 and "cannot be corrected" in page.content.decode()
    assert Event.objects.get(pk=adjustment.pk).status == "applied"


def _decide(client, appeal, action, reasons=""):
    return client.post(f"/admin/appeals/appeal/{appeal.pk}/decide/", {"action": action, "reasons": reasons})


def test_filer_and_approver_cannot_decide_a_third_official_can(client, adjustment, official, second_official,
                                                                 third_official, citizen):
    client.force_login(official)
    client.post("/admin/appeals/appeal/add/", {"event": adjustment.pk, "grounds": "Fine was paid."})
    appeal = Appeal.objects.get()
    assert "another official reviews" in client.get(f"/admin/appeals/appeal/{appeal.pk}/change/").content.decode()
    refused = _decide(client, appeal, "review")
    assert refused.status_code == 200 and "filed an appeal cannot review" in refused.content.decode()
    client.force_login(second_official)
    assert "approved the contested adjustment" in _decide(client, appeal, "review").content.decode()
    assert Appeal.objects.get().state == "filed"
    client.force_login(third_official)
    assert _decide(client, appeal, "review").status_code == 302
    assert _decide(client, appeal, "uphold", "Receipt shows payment.").status_code == 302
    citizen.refresh_from_db()
    assert (Appeal.objects.get().state, Appeal.objects.get().decided_by) == ("upheld", "official3")
    assert Event.objects.get(pk=adjustment.pk).status == "voided" and citizen.score == 1000


def test_the_correction_service_asks_the_callers_role(auditor, superuser, official, conviction):
    """Both doors pass the user; the service itself refuses one without appeals.correct_event."""
    from core.exceptions import Forbidden
    from points.corrections import event_correct

    for user in (auditor, superuser):
        with pytest.raises(Forbidden, match="may not correct"):
            event_correct(event=conviction, attributes={"case_number": "x"}, reason="r", by=user.username, user=user)
    assert Event.objects.get(pk=conviction.pk).status == "applied"
    event_correct(event=conviction, attributes={"case_number": "x"}, reason="r", by=official.username, user=official)
    assert Event.objects.get(pk=conviction.pk).status == "voided"
