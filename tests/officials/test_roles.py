"""The three roles hold exactly their permissions, and each can do exactly that in the admin."""
import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from officials.roles import ROLES

pytestmark = pytest.mark.django_db


def group_permissions(name):
    group = Group.objects.get(name=name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_setup_roles_gives_each_group_exactly_its_table_and_is_idempotent(capsys):
    call_command("setup_roles")
    first = {name: group_permissions(name) for name in ROLES}
    group = Group.objects.get(name="Auditors")
    group.permissions.clear()  # drift is repaired, not added to
    call_command("setup_roles")
    call_command("setup_roles")
    assert Group.objects.filter(name__in=ROLES).count() == 3
    for name, codenames in ROLES.items():
        assert group_permissions(name) == first[name] == set(codenames)
    assert f"Officials: {len(ROLES['Officials'])} permissions" in capsys.readouterr().out


def test_roles_differ_where_the_issue_says():
    call_command("setup_roles")
    officials, auditors, authors = (group_permissions(n) for n in ("Officials", "Auditors", "Policy authors"))
    assert "officials.retract_event" in officials and "officials.retract_event" not in auditors
    assert "officials.approve_adjustmentproposal" in officials
    assert not any(p.startswith(("officials.add", "officials.approve", "officials.retract")) for p in auditors)
    assert all(p.split(".")[1].startswith("view_") for p in auditors)
    assert "admin.view_logentry" in auditors and "admin.view_logentry" not in officials
    assert authors == {"rules.view_policyversion", "officials.view_policy", "officials.view_dashboard"}
    # Nobody's group may touch ledger entries or events.
    for permissions in (officials, auditors, authors):
        assert not any(p.startswith(("points.add_", "points.change_", "points.delete_")) for p in permissions)


PAGES = {
    "citizens": "/admin/citizens/citizen/",
    "events": "/admin/points/event/",
    "ledger": "/admin/points/ledgerentry/",
    "agencies": "/admin/points/agency/",
    "adjustments": "/admin/officials/adjustmentproposal/",
    "propose": "/admin/officials/adjustmentproposal/add/",
    "dashboard": "/admin/dashboard/",
    "policy": "/admin/policy/",
    "versions": "/admin/rules/policyversion/",
    "admin log": "/admin/admin/logentry/",
    "add agency": "/admin/points/agency/add/",
}
CAN = {
    "official": {"citizens", "events", "ledger", "agencies", "adjustments", "propose", "dashboard", "policy",
                 "versions"},
    "auditor": {"citizens", "events", "ledger", "agencies", "adjustments", "dashboard", "policy", "versions",
                "admin log"},
    "policy_author": {"dashboard", "policy", "versions"},
}


@pytest.mark.parametrize("role", sorted(CAN))
def test_each_role_reaches_exactly_its_pages(role, request, client, conviction):
    client.force_login(request.getfixturevalue(role))
    for page, url in PAGES.items():
        status = client.get(url).status_code
        assert status == (200 if page in CAN[role] else 403), (role, page, status)


def test_staff_without_a_role_sees_nothing(client, conviction, roles):
    from tests.fixtures.admin import make_user

    client.force_login(make_user("nobody"))
    for url in PAGES.values():
        assert client.get(url).status_code == 403


def test_admin_index_links_the_dashboard_for_roles_that_may_see_it(client, policy_author, roles):
    client.force_login(policy_author)
    page = client.get("/admin/").content.decode()
    assert "/admin/dashboard/" in page and "/admin/policy/" in page
