"""The chain key: entries name the key they were made under, keys rotate, production refuses the
development keys; and the database roles' own checks."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connections

from points.models import LedgerEntry
from tests import dbroles
from tests.points.conftest import breaks

ROOT = Path(__file__).resolve().parents[2]


def test_entries_carry_the_current_key_id(make_citizen, settings):
    settings.LEDGER_KEYS = {"old": b"o" * 32, "new": b"n" * 32}
    settings.LEDGER_KEY_ID = "old"
    first = make_citizen()
    settings.LEDGER_KEY_ID = "new"
    second = make_citizen()
    assert [e.key_id for e in LedgerEntry.objects.order_by("id")] == ["old", "new"]
    assert breaks() == set()  # both keys listed: both verify
    settings.LEDGER_KEYS = {"new": b"n" * 32}
    assert breaks() == {(first.pk, first.ledger.get().pk, "hash")}  # a key taken away: its entries fail
    assert second.pk not in {cid for cid, _, _ in breaks()}


def test_the_same_entry_under_another_key_has_another_hash(make_citizen, settings):
    entry = make_citizen().ledger.select_related("citizen", "event").get()
    settings.LEDGER_KEYS = {entry.key_id: b"another secret of at least 32 bytes!"}
    assert entry.compute_hash(entry.citizen.resident_id) != entry.hash


def test_short_keys_are_refused(make_citizen, settings):
    settings.LEDGER_KEYS = {"k": b"short"}
    settings.LEDGER_KEY_ID = "k"
    with pytest.raises(ImproperlyConfigured, match="shorter"):
        make_citizen()


def _production(env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    clean.update(SECRET_KEY="k" * 50, DATABASE_URL="postgres://postgres@127.0.0.1:5432/test", **env)
    return subprocess.run([sys.executable, "-c", "import config.settings_production"], env=clean, cwd=ROOT,
                          capture_output=True, text=True)


@pytest.mark.parametrize("env, message", [
    ({}, "LEDGER_KEYS"),
    ({"LEDGER_KEYS": "k1:" + "s" * 40}, "LEDGER_SIGNING_KEY_FILE"),
    ({"LEDGER_KEYS": "k1:" + "s" * 40, "LEDGER_SIGNING_KEY_FILE": "/k.pem"}, "LEDGER_CHECKPOINT_DIR"),
])
def test_production_refuses_to_start_without_real_keys(env, message):
    done = _production(env)
    assert done.returncode != 0 and message in done.stderr


def _wrapper(user):
    default = connections["default"]
    return default.__class__({**default.settings_dict, "USER": user, "PASSWORD": ""}, alias="default")


@pytest.mark.postgres
def test_production_refuses_a_privileged_connection(db, settings):
    settings.DATABASE_REFUSE_PRIVILEGED = True
    superuser = _wrapper(dbroles.SUPERUSER)
    with pytest.raises(ImproperlyConfigured, match="superuser"):
        superuser.ensure_connection()
    assert superuser.connection is None  # and not left open for the next query
    if dbroles.restricted():
        with pytest.raises(ImproperlyConfigured, match="owner of the tables"):
            _wrapper(dbroles.OWNER).ensure_connection()
        app = _wrapper(dbroles.APP_ROLE)
        app.ensure_connection()
        app.close()
