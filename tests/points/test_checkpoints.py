"""Signed checkpoints outside the database: written after bulk runs and on demand, checked by
verify_ledger; a store altered or appended to without the signing key is reported. Any database."""
import base64
import io
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.management import call_command

from points import checkpoints
from points.checkpoints import CheckpointRefused, Leaf, checkpoint_write, merkle_root, read_store
from points.ingest import events_ingest
from tests.points.conftest import breaks, verify_exit


def store():
    return settings.LEDGER_CHECKPOINT_DIR


def lines():
    return (store() / checkpoints.LOG_NAME).read_text().splitlines()


def test_checkpoint_records_every_chain(town):
    [line] = lines()
    payload = json.loads(line)
    leaves = checkpoints.ledger_leaves()
    assert payload["citizens"] == 2 and payload["entries"] == sum(leaf.count for leaf in leaves.values())
    assert payload["root"] == merkle_root(leaves.values()) and payload["seq"] == 1
    assert read_store().problems == []


def test_a_second_checkpoint_stores_only_what_changed(town, report):
    report(town["bob"], "blood_donation", {"millilitres": 200}, key="more")
    payload = checkpoint_write()
    assert payload["seq"] == 2 and payload["changed"] == 1
    assert json.loads(lines()[1])["prev"] and breaks() == set()


def test_command_appends_and_prints_the_public_key(town):
    out = io.StringIO()
    call_command("ledger_checkpoint", stdout=out)
    assert "Checkpoint 2" in out.getvalue() and len(lines()) == 2
    out = io.StringIO()
    call_command("ledger_checkpoint", "--public-key", stdout=out)
    assert out.getvalue().startswith("-----BEGIN PUBLIC KEY-----")


def test_ingest_run_writes_a_checkpoint(transactional_db, make_citizen, agencies):
    citizen = make_citizen()
    line = json.dumps({"agency": "civil_affairs", "resident_id": citizen.resident_id, "event_type": "elderly_care",
                       "occurred_at": "2025-03-01T10:00:00+08:00", "attributes": {"months": 6},
                       "idempotency_key": "ingest-1"})
    events_ingest(lines=[(1, line)])
    assert json.loads(lines()[-1])["entries"] == 2 and breaks() == set()


def test_ingest_inside_a_transaction_waits_for_its_commit(db, make_citizen, agencies):
    """Never a checkpoint of writes that may still roll back (the test's transaction never commits)."""
    events_ingest(lines=[])
    assert not (store() / checkpoints.LOG_NAME).exists()


def _rewrite_last_line(change):
    all_lines = lines()
    payload = json.loads(all_lines[-1])
    change(payload)
    all_lines[-1] = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    (store() / checkpoints.LOG_NAME).write_text("\n".join(all_lines) + "\n")


def test_an_altered_checkpoint_is_reported(town):
    _rewrite_last_line(lambda p: p.update(entries=p["entries"] + 1))
    assert (None, None, "checkpoint-signature") in breaks()
    assert verify_exit()[0] == 1


def test_a_checkpoint_forged_with_another_key_is_reported(town):
    forger = Ed25519PrivateKey.generate()

    def forge(payload):
        payload.pop("sig")
        payload.update(seq=2, prev=checkpoints._line_digest(lines()[-1]), entries=0)
        payload["sig"] = base64.b64encode(forger.sign(checkpoints._canonical(payload))).decode()

    all_lines = lines()
    _rewrite_last_line(forge)
    (store() / checkpoints.LOG_NAME).write_text("\n".join(all_lines + lines()[-1:]) + "\n")
    assert (None, None, "checkpoint-signature") in breaks()


def test_a_removed_checkpoint_line_is_reported(town, report):
    report(town["bob"], "blood_donation", {"millilitres": 200}, key="more")
    checkpoint_write()
    report(town["bob"], "blood_donation", {"millilitres": 100}, key="again")
    checkpoint_write()
    first, _, third = lines()
    (store() / checkpoints.LOG_NAME).write_text(f"{first}\n{third}\n")
    assert (None, None, "checkpoint-log") in breaks()


def test_altered_leaves_are_reported(town):
    leaves = store() / checkpoints.LEAVES_DIR / "00000001.jsonl"
    leaves.write_text(leaves.read_text() + '[1, 1, 1, "x"]\n')
    assert (None, None, "checkpoint-log") in breaks()


def test_the_writer_refuses_to_sign_a_shrunken_ledger(town, settings):
    leaf = Leaf(town["alice"].pk, 99, 10**9, "0" * 64)
    state = {leaf.citizen_id: leaf}
    with pytest.raises(CheckpointRefused, match="no longer shows"):
        checkpoints._check_extends(state, checkpoints.ledger_leaves())


def test_public_keys_listed_after_a_rotation_still_verify_old_checkpoints(town, settings, tmp_path):
    old_public = tmp_path / "old.pem"
    from points import keys

    old_public.write_bytes(keys.signing_key().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    new_key = tmp_path / "new.pem"
    new_key.write_bytes(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    settings.LEDGER_SIGNING_KEY_FILE = str(new_key)
    assert (None, None, "checkpoint-signature") in breaks()  # the old checkpoint's key is no longer known
    new_public = tmp_path / "new-public.pem"
    new_public.write_text(keys.public_key_pem())
    settings.LEDGER_CHECKPOINT_PUBLIC_KEYS = [str(old_public), str(new_public)]
    assert breaks() == set()
    checkpoint_write()
    assert breaks() == set() and len(lines()) == 2
