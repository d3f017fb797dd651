"""The read-only policy page lists what the policy in force says, and the stored versions."""
import pytest

from rules.models import PolicyVersion
from rules.registry import current_policy

pytestmark = pytest.mark.django_db


def test_policy_page_shows_rules_grades_services_and_versions(client, policy_author, conviction):
    policy = current_policy()
    client.force_login(policy_author)
    page = client.get("/admin/policy/").content.decode()
    assert policy.version not in page  # named by number and status, never by its hash
    for rule in policy.rules.values():
        assert rule.id in page
    for service in policy.services.values():
        assert service.name in page
    for event_type in policy.event_types:
        assert event_type in page
    stored = PolicyVersion.objects.get(hash=policy.version)
    assert f"/admin/rules/policyversion/{stored.pk}/change/" in page
    assert "Version 1 (in force from the policy files, not published)" in page
    assert "Published: no" not in page


def test_policy_versions_are_read_only(client, superuser, conviction):
    client.force_login(superuser)
    version = PolicyVersion.objects.get()
    url = f"/admin/rules/policyversion/{version.pk}/change/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"message": "edited"}).status_code == 403
    assert client.get("/admin/rules/policyversion/add/").status_code == 403
