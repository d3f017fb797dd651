"""Appeals in the admin: officials file and decide through the services; others cannot."""
import pytest
from django.contrib.auth.models import Permission

from appeals.models import Appeal
from points.models import Event


@pytest.fixture
def contested(make_citizen, report):
    citizen = make_citizen()
    return citizen, report(citizen, "drunk_driving_conviction").event


def staff(django_user_model, name, *codenames):
    user = django_user_model.objects.create_user(name, password=f"pw-{name}-1", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def test_official_files_reviews_and_upholds_in_the_admin(client, django_user_model, contested):
    citizen, event = contested
    client.force_login(staff(django_user_model, "ofc", "view_appeal", "add_appeal", "decide_appeal"))
    assert client.get(f"/admin/appeals/appeal/add/?event={event.pk}").status_code == 200
    response = client.post("/admin/appeals/appeal/add/", {"event": event.pk, "grounds": "Paid the fine."})
    appeal = Appeal.objects.get(event=event)
    assert response.status_code == 302 and (appeal.filed_by, appeal.channel) == ("ofc", "admin")
    page = client.get(f"/admin/appeals/appeal/{appeal.pk}/change/").content.decode()
    assert "Paid the fine." in page and 'id="appeal-decision"' in page
    decide = f"/admin/appeals/appeal/{appeal.pk}/decide/"
    client.force_login(staff(django_user_model, "ofc2", "view_appeal", "decide_appeal"))  # never the filer
    client.post(decide, {"action": "uphold", "reasons": "too early"})  # must be under review first
    assert Appeal.objects.get(pk=appeal.pk).state == "filed"
    client.post(decide, {"action": "review"})
    client.post(decide, {"action": "uphold", "reasons": ""})  # reasons required
    assert Appeal.objects.get(pk=appeal.pk).state == "under_review"
    client.post(decide, {"action": "uphold", "reasons": "Receipt shows payment."})
    appeal.refresh_from_db()
    citizen.refresh_from_db()
    assert (appeal.state, appeal.decided_by, citizen.score) == ("upheld", "ofc2", 1000)
    assert Event.objects.get(pk=event.pk).status == "voided"


def test_filing_errors_are_shown_on_the_form(client, django_user_model, contested):
    _, event = contested
    client.force_login(staff(django_user_model, "ofc", "view_appeal", "add_appeal"))
    client.post("/admin/appeals/appeal/add/", {"event": event.pk, "grounds": "first"})
    page = client.post("/admin/appeals/appeal/add/", {"event": event.pk, "grounds": "second"})
    assert page.status_code == 200 and "already has an open appeal" in page.content.decode()
    page = client.post("/admin/appeals/appeal/add/", {"event": 999999, "grounds": "x"})
    assert "No event with this number." in page.content.decode()
    assert Appeal.objects.count() == 1


def test_auditor_sees_appeals_but_cannot_file_or_decide(client, django_user_model, contested):
    _, event = contested
    client.force_login(staff(django_user_model, "ofc", "view_appeal", "add_appeal"))
    client.post("/admin/appeals/appeal/add/", {"event": event.pk, "grounds": "first"})
    appeal = Appeal.objects.get()
    client.force_login(staff(django_user_model, "aud", "view_appeal"))
    page = client.get(f"/admin/appeals/appeal/{appeal.pk}/change/")
    assert page.status_code == 200 and 'id="appeal-decision"' not in page.content.decode()
    assert client.get("/admin/appeals/appeal/?overdue=yes").status_code == 200
    assert client.get("/admin/appeals/appeal/add/").status_code == 403
    assert client.post(f"/admin/appeals/appeal/{appeal.pk}/decide/", {"action": "review"}).status_code == 403
    assert Appeal.objects.get().state == "filed"
