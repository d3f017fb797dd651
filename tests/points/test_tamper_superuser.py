"""Attacks run as the database's superuser: verify_ledger exits 1 and names the citizen, the
entry and the kind of break (the keyed chain and the signed checkpoints outside the database)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from citizens.models import Citizen
from points.models import LedgerEntry
from tests.points.conftest import breaks, chain, forge_append, rewrite_chain, verify_exit

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]


def test_the_untouched_town_verifies(town):
    assert verify_exit()[0] == 0 and breaks() == set()


def test_truncate_citizens_cascade_is_reported_for_every_citizen(town, superuser):
    alice, bob = town["alice"], town["bob"]
    heads = {c.pk: chain(c)[-1].pk for c in (alice, bob)}
    superuser("TRUNCATE citizens_citizen CASCADE")
    found = breaks()
    assert {(alice.pk, heads[alice.pk], "checkpoint-missing-citizen"),
            (bob.pk, heads[bob.pk], "checkpoint-missing-citizen"), (None, None, "checkpoint-truncated")} <= found
    # The real command, in a process of its own: exit status 1, the citizen and the entry named.
    db = connection.settings_dict
    env = {**os.environ, "LEDGER_CHECKPOINT_DIR": str(settings.LEDGER_CHECKPOINT_DIR),
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}
    done = subprocess.run([sys.executable, "manage.py", "verify_ledger", "--no-progress"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert f"(id {alice.pk}), entry {heads[alice.pk]}" in done.stdout and "wiped" in done.stdout


def test_rewritten_chain_without_the_key_fails_the_mac(town, superuser):
    alice, drunk = town["alice"], town["drunk"].entries[0]
    score = rewrite_chain(superuser, alice, drunk.pk, +10, keyed=False)
    assert Citizen.objects.get(pk=alice.pk).score == score == 1055  # 995 + 60, as in the issue
    found = breaks()
    assert (alice.pk, drunk.pk, "hash") in found
    assert verify_exit()[0] == 1


def test_rewritten_chain_with_a_stolen_key_is_caught_by_the_checkpoint(town, superuser):
    alice, drunk = town["alice"], town["drunk"].entries[0]
    rewrite_chain(superuser, alice, drunk.pk, +10, keyed=True)
    newest = chain(alice)[-1]
    # Every hash, head and score agrees: only the signed checkpoint remembers the old head.
    assert breaks() == {(alice.pk, newest.pk, "checkpoint-rewritten")}
    code, out = verify_exit()
    assert code == 1 and "history was rewritten" in out


def test_forged_append_with_an_unkeyed_hash_is_reported(town, superuser, agencies):
    alice = town["alice"]
    _, entry_id = forge_append(superuser, alice, agency_id=agencies["civil_affairs"].pk, delta=150,
                               key_id=LedgerEntry.objects.filter(citizen=alice).first().key_id)
    assert Citizen.objects.get(pk=alice.pk).score == 1145
    assert (alice.pk, entry_id, "hash") in breaks()
    assert verify_exit()[0] == 1


def test_forged_append_under_an_invented_key_id_is_reported(town, superuser, agencies):
    alice = town["alice"]
    _, entry_id = forge_append(superuser, alice, agency_id=agencies["civil_affairs"].pk, delta=150, key_id="k9")
    assert (alice.pk, entry_id, "hash") in breaks()


def test_deleted_newest_entry_with_the_head_rolled_back_is_caught_by_the_checkpoint(town, superuser):
    bob = town["bob"]
    entries = chain(bob)
    newest, before = entries[-1], entries[-2]
    superuser("DELETE FROM points_ledgerentry WHERE id = %s", [newest.pk], replica=True)
    superuser("UPDATE citizens_citizen SET ledger_head = %s, score = %s WHERE id = %s",
              [before.hash, before.balance_after, bob.pk])
    assert breaks() == {(bob.pk, newest.pk, "checkpoint-truncated"), (None, None, "checkpoint-truncated")}


def test_elderly_care_turned_into_a_drunk_driving_conviction_is_reported(town, superuser, agencies):
    alice, care = town["alice"], town["care"]
    entry = care.entries[0]
    superuser("UPDATE points_event SET event_type = 'drunk_driving_conviction', agency_id = %s WHERE id = %s",
              [agencies["court"].pk, care.event.pk], replica=True)
    assert (alice.pk, entry.pk, "hash") in breaks()
    superuser("UPDATE points_ledgerentry SET rule_title = 'Conviction for drunk driving' WHERE id = %s",
              [entry.pk], replica=True)
    assert (alice.pk, entry.pk, "hash") in breaks()


def test_rule_title_alone_is_covered_by_the_hash(town, superuser):
    alice, entry = town["alice"], town["care"].entries[0]
    superuser("UPDATE points_ledgerentry SET rule_title = 'Something else' WHERE id = %s", [entry.pk], replica=True)
    assert breaks() == {(alice.pk, entry.pk, "hash")}


def test_voided_by_sql_without_reversal_is_refused_even_for_the_superuser(town, superuser):
    drunk = town["drunk"]
    void = ("UPDATE points_event SET status = 'voided', status_reason = 'appeal upheld', "
            "status_changed_at = now(), status_changed_by = 'official' WHERE id = %s")
    with pytest.raises(Exception, match="has no reversal entry"):
        superuser(void, [drunk.event.pk])
    # With every trigger switched off it goes through, and verify_ledger sees points still counting.
    superuser(void, [drunk.event.pk], replica=True)
    assert breaks() == {(town["alice"].pk, drunk.entries[0].pk, "withdrawal")}


# --- plain edits, deletions and truncations ----------------------------------------------------


def test_edited_entry_is_reported(town, superuser):
    alice, entry = town["alice"], town["care"].entries[0]
    superuser("UPDATE points_ledgerentry SET delta = 500 WHERE id = %s", [entry.pk], replica=True)
    assert {(alice.pk, entry.pk, "hash"), (alice.pk, entry.pk, "balance_after"), (alice.pk, None, "score")} <= breaks()


def test_deleted_middle_entry_breaks_the_next_link_and_the_checkpoint(town, superuser):
    alice = town["alice"]
    entries = chain(alice)
    superuser("DELETE FROM points_ledgerentry WHERE id = %s", [entries[1].pk], replica=True)
    found = breaks()
    assert (alice.pk, entries[2].pk, "prev_hash") in found and (alice.pk, None, "ledger_head") not in found
    assert any(kind == "checkpoint-truncated" and cid == alice.pk for cid, _, kind in found)


def test_truncate_without_cascade_is_refused_by_the_foreign_keys(town, superuser):
    with pytest.raises(Exception, match="foreign key"):
        superuser("TRUNCATE citizens_citizen")
    assert breaks() == set()


def test_edit_with_its_own_hash_recomputed_breaks_the_next_link(town, superuser):
    alice = town["alice"]
    entries = chain(alice)
    forged = entries[1]
    forged.reason = "forged"
    superuser("UPDATE points_ledgerentry SET reason = 'forged', hash = %s WHERE id = %s",
              [forged.compute_hash(alice.resident_id), forged.pk], replica=True)
    assert (alice.pk, entries[2].pk, "prev_hash") in breaks()
