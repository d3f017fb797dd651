"""The same attacks as the application role: the database refuses the statement (privileges, triggers),
or — for what the role must be able to do, appending — the keyed chain catches the forgery."""
import pytest

from citizens.models import Citizen
from points.models import Event, LedgerEntry
from tests.points.conftest import breaks, chain, forge_append

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("sql", [
    "TRUNCATE citizens_citizen CASCADE",
    "TRUNCATE points_ledgerentry",
    "DELETE FROM points_ledgerentry",
    "DELETE FROM citizens_citizen",
    "DELETE FROM points_event",
    "UPDATE points_ledgerentry SET delta = 10",
    "UPDATE points_ledgerentry SET rule_title = 'Conviction for drunk driving'",
    "UPDATE points_event SET event_type = 'drunk_driving_conviction'",
    "UPDATE points_event SET agency_id = 1",
    "ALTER TABLE points_ledgerentry DISABLE TRIGGER USER",
    "DROP TRIGGER points_ledgerentry_append_only ON points_ledgerentry",
    "SET session_replication_role = replica",
    "DELETE FROM points_gradechange",
    "CREATE TABLE points_sneaky (id int)",
])
def test_the_application_role_cannot(town, as_app, sql):
    message = as_app.refused(sql)
    assert "permission denied" in message or "must be owner" in message
    assert breaks() == set()


def test_rewriting_the_chain_is_refused(town, as_app):
    drunk = town["drunk"].entries[0]
    message = as_app.refused("UPDATE points_ledgerentry SET delta = 10, balance_after = 1055 WHERE id = %s",
                             [drunk.pk])
    assert "permission denied for table points_ledgerentry" in message


def test_deleting_the_newest_entry_is_refused(town, as_app):
    newest = chain(town["bob"])[-1]
    assert "permission denied" in as_app.refused("DELETE FROM points_ledgerentry WHERE id = %s", [newest.pk])
    assert LedgerEntry.objects.filter(pk=newest.pk).exists()


def test_voiding_without_reversal_is_refused_at_commit(town, as_app):
    drunk = town["drunk"]
    message = as_app.refused(
        "UPDATE points_event SET status = 'voided', status_reason = 'x', status_changed_at = now(), "
        "status_changed_by = 'x' WHERE id = %s", [drunk.event.pk])
    assert "has no reversal entry" in message
    assert Event.objects.get(pk=drunk.event.pk).status == "applied"


def test_a_forged_append_goes_in_but_fails_the_key(town, as_app, agencies):
    """Appending is the role's job, so the database cannot tell a forged entry from a true one; without
    the chain key the forger's hash is wrong."""
    alice = town["alice"]
    _, entry_id = forge_append(as_app.run, alice, agency_id=agencies["civil_affairs"].pk, delta=150,
                               key_id=chain(alice)[-1].key_id)
    assert (alice.pk, entry_id, "hash") in breaks()


def test_standings_move_but_a_rolled_back_head_is_reported(town, as_app):
    """Standings are the role's to update (every report moves them); a forged head is caught."""
    bob = town["bob"]
    before = chain(bob)[-2]
    as_app.run("UPDATE citizens_citizen SET ledger_head = %s, score = %s WHERE id = %s",
               [before.hash, before.balance_after, bob.pk])
    assert {(bob.pk, None, "ledger_head"), (bob.pk, None, "score")} <= breaks()


def test_register_changes_keep_their_history(town, as_app):
    alice = town["alice"]
    as_app.run("UPDATE citizens_citizen SET district = 'Gaozuo', name = '改名' WHERE id = %s", [alice.pk])
    revision = Citizen.objects.get(pk=alice.pk).revisions.get()
    assert (revision.before["district"], revision.after["district"]) == ("Suicheng", "Gaozuo")
    assert revision.after["name"] == "改名" and revision.db_user == as_app.run("SELECT session_user")[0][0]
    assert "permission denied" in as_app.refused("DELETE FROM points_citizenrevision")
    assert "permission denied" in as_app.refused("UPDATE points_citizenrevision SET before = '{}'")
    # A standing update (every report) writes no revision.
    as_app.run("UPDATE citizens_citizen SET score = score WHERE id = %s", [alice.pk])
    assert Citizen.objects.get(pk=alice.pk).revisions.count() == 1


def test_the_owner_is_stopped_by_the_triggers(town, as_owner):
    """The owner is not a superuser: it could drop its triggers, but does not slip past them by accident."""
    entry = town["care"].entries[0]
    with pytest.raises(Exception, match="append-only"):
        as_owner("UPDATE points_ledgerentry SET delta = 1 WHERE id = %s", [entry.pk])
    with pytest.raises(Exception, match="never deleted"):
        as_owner("DELETE FROM points_event WHERE id = %s", [town["care"].event.pk])
    with pytest.raises(Exception, match="session_replication_role"):
        as_owner("SET session_replication_role = replica")
