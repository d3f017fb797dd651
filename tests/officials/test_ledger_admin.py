"""Ledger entries are visible and searchable, and nobody — superusers included — can add, change or delete one."""
import pytest

from points.models import LedgerEntry
from tests.fixtures.admin import make_citizen

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/points/ledgerentry/"


@pytest.mark.parametrize("role", ["superuser", "official", "auditor"])
def test_nobody_can_add_change_or_delete_a_ledger_entry(role, request, client, conviction):
    client.force_login(request.getfixturevalue(role))
    entry = LedgerEntry.objects.filter(event=conviction).first()
    before = (entry.delta, entry.balance_after, entry.rule_id)
    change_url = f"{CHANGELIST}{entry.pk}/change/"
    page = client.get(change_url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(change_url, {"delta": "500", "rule_id": "x"}).status_code == 403
    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert client.post(f"{CHANGELIST}add/", {"delta": "5"}).status_code == 403
    assert client.post(f"{CHANGELIST}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    listing = client.get(CHANGELIST).content.decode()
    assert "delete_selected" not in listing and f"{CHANGELIST}add/" not in listing
    client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})
    entry.refresh_from_db()
    assert (entry.delta, entry.balance_after, entry.rule_id) == before


def test_ledger_is_searchable_by_resident_id_and_rule(client, auditor, citizen, conviction):
    other = make_citizen(name="Li Lei")
    client.force_login(auditor)

    def listed(query):
        return {e.citizen_id for e in client.get(CHANGELIST + query).context["cl"].result_list}

    assert listed(f"?q={citizen.resident_id}") == {citizen.pk}
    assert listed(f"?q={other.resident_id}") == {other.pk}
    rule_id = conviction.entries.first().rule_id
    assert listed(f"?q={rule_id}") == {citizen.pk}
    assert listed("?kind__exact=opening") == {citizen.pk, other.pk}
