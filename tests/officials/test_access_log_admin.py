"""Auditors search the access log in the admin; nobody changes it."""
import pytest
from django.contrib.auth.models import Permission

from audit.models import AccessLog
from audit.services import access_log_record


@pytest.fixture
def auditor(django_user_model):
    user = django_user_model.objects.create_user("aud", password="pw-aud-1", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_accesslog", content_type__app_label="audit"))
    return user


def test_auditor_searches_the_access_log_but_cannot_change_it(client, auditor, make_citizen):
    first, second = make_citizen(), make_citizen()
    entry = access_log_record(actor="ofc", actor_kind="user", citizen=first, action="statement.read",
                              channel="admin", path="/admin/statements/x/")
    access_log_record(actor="court", actor_kind="agency", citizen=second, action="ledger.read", channel="api")
    client.force_login(auditor)
    rows = client.get(f"/admin/audit/accesslog/?q={first.resident_id}").content.decode()
    assert rows.count('class="field-action"') == 1 and "statement.read" in rows
    rows = client.get("/admin/audit/accesslog/?q=court").content.decode()
    assert rows.count('class="field-action"') == 1 and "ledger.read" in rows
    assert client.get("/admin/audit/accesslog/?channel__exact=api").content.decode().count('class="field-action"') == 1
    assert client.get(f"/admin/audit/accesslog/{entry.pk}/change/").status_code == 200
    assert client.post(f"/admin/audit/accesslog/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/audit/accesslog/add/").status_code == 403
    assert AccessLog.objects.count() == 2
