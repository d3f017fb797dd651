"""Due process in the officials' admin: statements and citizen pages are access-logged, auditors search
the log, officials file appeals and correct events from an event's page; roles decide who may."""
import pytest

from appeals.models import Appeal
from audit.models import AccessLog
from officials.services import roles_setup
from points.models import Event
from tests.fixtures.admin import make_user


@pytest.fixture
def staff(db):
    roles_setup()
    return {"official": make_user("ofc", "Officials"), "second": make_user("ofc2", "Officials"),
            "auditor": make_user("aud", "Auditors")}


@pytest.fixture
def minor(make_citizen, report):
    citizen = make_citizen()
    return citizen, report(citizen, "traffic_violation", {"severity": "minor"}).event


def test_citizen_page_and_statements_are_access_logged(client, staff, minor):
    citizen, _ = minor
    client.force_login(staff["official"])
    page = client.get(f"/admin/citizens/citizen/{citizen.pk}/change/").content.decode()
    assert f"/admin/statements/{citizen.resident_id}/" in page and "Statement (PDF)" in page
    assert client.get(f"/admin/statements/{citizen.resident_id}/").status_code == 200
    assert client.get(f"/admin/statements/{citizen.resident_id}/pdf/").status_code == 200
    logged = list(AccessLog.objects.filter(citizen=citizen).order_by("id").values_list("actor", "action", "channel"))
    assert logged == [("ofc", "citizen.view", "admin"), ("ofc", "statement.read", "admin"),
                      ("ofc", "statement.pdf", "admin")]


def test_auditor_searches_the_access_log_but_cannot_change_it(client, staff, minor):
    citizen, _ = minor
    client.force_login(staff["official"])
    client.get(f"/admin/citizens/citizen/{citizen.pk}/change/")
    client.force_login(staff["auditor"])
    found = client.get(f"/admin/audit/accesslog/?q={citizen.resident_id}")
    assert found.status_code == 200 and found.content.decode().count('<td class="field-action">citizen.view') == 1
    entry = AccessLog.objects.filter(actor="ofc").get()
    assert 'class="field-action"' not in client.get("/admin/audit/accesslog/?q=nobody-at-all").content.decode()
    assert client.get("/admin/audit/accesslog/?channel__exact=admin&actor_kind__exact=user").status_code == 200
    assert client.post(f"/admin/audit/accesslog/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/audit/accesslog/add/").status_code == 403
    assert AccessLog.objects.filter(pk=entry.pk).exists()


def test_event_page_offers_appeal_and_correction_to_officials_only(client, staff, minor):
    _, event = minor
    client.force_login(staff["official"])
    page = client.get(f"/admin/points/event/{event.pk}/change/").content.decode()
    assert 'id="appeal-event"' in page and 'id="correct-event"' in page
    client.force_login(staff["auditor"])
    page = client.get(f"/admin/points/event/{event.pk}/change/").content.decode()
    assert 'id="appeal-event"' not in page and 'id="correct-event"' not in page
    assert client.get(f"/admin/points/event/{event.pk}/correct/").status_code == 403
    assert client.post("/admin/appeals/appeal/add/", {"event": event.pk, "grounds": "x"}).status_code == 403


def test_official_corrects_an_event_in_the_admin(client, staff, minor):
    citizen, event = minor
    client.force_login(staff["official"])
    form = client.get(f"/admin/points/event/{event.pk}/correct/")
    assert form.status_code == 200 and 'name="attribute_severity"' in form.content.decode()
    bad = client.post(f"/admin/points/event/{event.pk}/correct/", {"attribute_severity": "huge",
                                                                   "reason": "typo"})
    assert bad.status_code == 200 and "huge is not one of the available choices" in bad.content.decode()
    assert Event.objects.get(pk=event.pk).status == "applied"
    done = client.post(f"/admin/points/event/{event.pk}/correct/", {"attribute_severity": "serious",
                                                                    "reason": "Red light."})
    new = Event.objects.get(corrects=event)
    assert done.status_code == 302 and done["Location"].endswith(f"/admin/points/event/{new.pk}/change/")
    citizen.refresh_from_db()
    assert citizen.score == 980 and Event.objects.get(pk=event.pk).status == "voided"


def test_officials_group_files_and_decides_appeals(client, staff, minor):
    citizen, event = minor
    client.force_login(staff["official"])
    client.post("/admin/appeals/appeal/add/", {"event": event.pk, "grounds": "Was parked legally."})
    appeal = Appeal.objects.get(event=event)
    client.force_login(staff["second"])  # the filer may not decide (separation of duties)
    client.post(f"/admin/appeals/appeal/{appeal.pk}/decide/", {"action": "review"})
    client.post(f"/admin/appeals/appeal/{appeal.pk}/decide/", {"action": "uphold", "reasons": "Photo shows it."})
    citizen.refresh_from_db()
    assert Appeal.objects.get(pk=appeal.pk).state == "upheld" and citizen.score == 1000
    client.force_login(staff["auditor"])
    assert client.get(f"/admin/appeals/appeal/{appeal.pk}/change/").status_code == 200
    assert client.get(f"/admin/notices/notice/?q={citizen.resident_id}").status_code == 200
