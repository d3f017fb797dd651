"""Events are read-only; officials retract them with a written reason through the service layer."""
import pytest

from points.models import Event, LedgerEntry
from tests.fixtures.admin import make_citizen, report

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/points/event/"


def retract(client, events, reason="Reported for the wrong person", confirm=True):
    data = {"action": "retract_selected", "_selected_action": [e.pk for e in events]}
    if confirm:
        data.update(confirm="yes", reason=reason)
    return client.post(CHANGELIST, data, follow=True)


def test_retract_asks_for_a_reason_on_an_intermediate_page_first(client, official, conviction):
    client.force_login(official)
    response = retract(client, [conviction], confirm=False)
    assert response.templates[0].name == "admin/points/event/retract_confirmation.html"
    assert f"#{conviction.pk}" in response.content.decode()
    conviction.refresh_from_db()
    assert conviction.status == Event.Status.APPLIED


def test_blank_reason_retracts_nothing(client, official, conviction):
    client.force_login(official)
    score = conviction.citizen.score
    response = retract(client, [conviction], reason="   ")
    assert "This field is required" in response.content.decode()
    conviction.refresh_from_db()
    conviction.citizen.refresh_from_db()
    assert conviction.status == Event.Status.APPLIED and conviction.citizen.score == score


def test_official_retracts_and_the_points_come_back(client, official, citizen, conviction):
    client.force_login(official)
    before = citizen.score
    deducted = sum(e.delta for e in conviction.entries.all())
    assert deducted < 0
    response = retract(client, [conviction], reason="Court quashed the conviction")
    assert f"Retracted 1 event(s): #{conviction.pk}" in response.content.decode()
    conviction.refresh_from_db()
    citizen.refresh_from_db()
    assert conviction.status == Event.Status.RETRACTED
    assert conviction.status_reason == "Court quashed the conviction"
    assert conviction.status_changed_by == "official1"
    assert citizen.score == before - deducted
    reversal = LedgerEntry.objects.get(event=conviction, kind=LedgerEntry.Kind.REVERSAL)
    assert reversal.delta == -deducted and reversal.reason == "Court quashed the conviction"


def test_batch_retraction_reports_each_event(client, official, citizen, conviction):
    other = report(make_citizen(name="Li Lei"), "traffic_violation", "police", {"severity": "minor"})
    client.force_login(official)
    retract(client, [conviction])
    response = retract(client, [conviction, other])  # the first is already retracted
    page = response.content.decode()
    assert f"Event #{conviction.pk} not retracted" in page and "already retracted" in page
    assert f"Retracted 1 event(s): #{other.pk}" in page
    assert LedgerEntry.objects.filter(event=conviction, kind=LedgerEntry.Kind.REVERSAL).count() == 1


@pytest.mark.parametrize("role", ["auditor", "policy_author"])
def test_non_officials_cannot_retract(role, request, client, conviction):
    client.force_login(request.getfixturevalue(role))
    if role == "auditor":
        assert "retract_selected" not in client.get(CHANGELIST).content.decode()
    retract(client, [conviction])
    conviction.refresh_from_db()
    assert conviction.status == Event.Status.APPLIED
    assert not LedgerEntry.objects.filter(event=conviction, kind=LedgerEntry.Kind.REVERSAL).exists()


def test_events_cannot_be_added_changed_or_deleted_even_by_a_superuser(client, superuser, conviction):
    client.force_login(superuser)
    url = f"{CHANGELIST}{conviction.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="_save"' not in page
    assert client.post(url, {"event_type": "blood_donation"}).status_code == 403
    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert client.post(f"{CHANGELIST}{conviction.pk}/delete/", {"post": "yes"}).status_code == 403
    conviction.refresh_from_db()
    assert conviction.event_type == "drunk_driving_conviction"


def test_event_filters_and_search(client, auditor, citizen, conviction):
    other = report(make_citizen(name="Li Lei"), "traffic_violation", "police", {"severity": "minor"})
    client.force_login(auditor)

    def listed(query):
        return {e.pk for e in client.get(CHANGELIST + query).context["cl"].result_list}

    assert listed("?event_type=traffic_violation") == {other.pk}
    assert listed(f"?agency__id__exact={conviction.agency_id}") == {conviction.pk}
    by_citizen = listed(f"?q={citizen.resident_id}")
    assert conviction.pk in by_citizen and other.pk not in by_citizen
    assert listed("?status__exact=retracted") == set()


def test_retract_from_the_event_page(client, official, auditor, citizen, conviction):
    url = f"{CHANGELIST}{conviction.pk}/retract/"
    client.force_login(auditor)
    assert "retract-event" not in client.get(f"{CHANGELIST}{conviction.pk}/change/").content.decode()
    assert client.post(url, {"reason": "x"}).status_code == 403
    client.force_login(official)
    assert "retract-event" in client.get(f"{CHANGELIST}{conviction.pk}/change/").content.decode()
    assert client.post(url, {"reason": ""}).status_code == 200  # the form again, nothing done
    conviction.refresh_from_db()
    assert conviction.status == Event.Status.APPLIED
    response = client.post(url, {"reason": "Duplicate report"}, follow=True)
    assert f"Retracted 1 event(s): #{conviction.pk}" in response.content.decode()
    conviction.refresh_from_db()
    assert conviction.status == Event.Status.RETRACTED
    assert "retract-event" not in client.get(f"{CHANGELIST}{conviction.pk}/change/").content.decode()


def test_an_approved_adjustment_is_not_retracted_by_one_official(client, official, second_official, citizen):
    from officials.services import adjustment_approve, adjustment_propose

    proposal = adjustment_propose(citizen=citizen, points=-40, reason="Unpaid fine", user=official)
    event = adjustment_approve(proposal=proposal, user=second_official).event
    client.force_login(official)
    response = retract(client, [event], reason="I disagree")
    assert "undone by a new adjustment" in response.content.decode()
    event.refresh_from_db()
    citizen.refresh_from_db()
    assert event.status == Event.Status.APPLIED and citizen.score == 1000 - 40


def test_event_list_queries_do_not_grow_with_rows(client, auditor, citizen, django_assert_max_num_queries):
    report(citizen)
    client.force_login(auditor)
    with django_assert_max_num_queries(8) as few:
        client.get(CHANGELIST)
    for i in range(25):
        report(make_citizen(name=f"P{i}"), "traffic_violation", "police", {"severity": "minor"})
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(CHANGELIST).context["cl"].result_list) == 50  # a full page (27 enrolments + 26 reports)
