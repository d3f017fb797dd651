"""The tamper suite's town: two citizens with a few entries each and a signed checkpoint, committed
(the attacks run on connections of their own), and the attackers' tools; for every points test the
``report`` fixture and an official (tests/api/conftest.py)."""
import hashlib
import io

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from citizens.models import Citizen
from points.checkpoints import checkpoint_write
from points.integrity import ledger_verify
from points.models import Event, LedgerEntry
from tests import dbroles
from tests.api.conftest import official  # noqa: F401
from tests.fixtures.reporting import report  # noqa: F401


@pytest.fixture
def town(transactional_db, make_citizen, report, agencies):  # noqa: F811
    """Alice (elderly care +50, drunk driving -50, traffic -5) and Bob (blood donation), checkpointed."""
    alice, bob = make_citizen(), make_citizen()
    care = report(alice, "elderly_care", {"months": 6})
    drunk = report(alice, "drunk_driving_conviction")
    report(alice, "traffic_violation", {"severity": "minor"})
    report(bob, "blood_donation", {"millilitres": 300})
    checkpoint_write()
    return {"alice": alice, "bob": bob, "care": care, "drunk": drunk}


@pytest.fixture
def superuser():
    """Run SQL as the database's superuser: ``replica`` switches every trigger off for the statement's
    transaction, as an insider with superuser rights can."""
    if not dbroles.on_postgresql():
        pytest.skip("attacks on the database need PostgreSQL")

    def run(sql, params=(), *, replica=False):
        with dbroles.superuser_connection() as conn, conn.transaction():
            if replica:
                conn.execute("SET LOCAL session_replication_role = replica")
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else None

    return run


@pytest.fixture
def as_app():
    """Run SQL on a connection of the restricted application role; ``refused`` returns the error."""
    if not dbroles.restricted():
        pytest.skip("needs the restricted application role (DATABASE_APP_ROLE on PostgreSQL)")

    class App:
        @staticmethod
        def run(sql, params=()):
            with dbroles.app_connection() as conn, conn.transaction():
                cursor = conn.execute(sql, params)
                return cursor.fetchall() if cursor.description else None

        @classmethod
        def refused(cls, sql, params=()) -> str:
            with pytest.raises(psycopg.Error) as error:
                cls.run(sql, params)
            return str(error.value)

    return App


@pytest.fixture
def as_owner():
    """Run SQL as the owner of the tables (not a superuser)."""
    if not dbroles.restricted():
        pytest.skip("needs the two roles (DATABASE_APP_ROLE on PostgreSQL)")

    def run(sql, params=()):
        db = dbroles._settings()
        with psycopg.connect(dbname=db["NAME"], host=db["HOST"] or None, port=db["PORT"] or None,
                             user=dbroles.OWNER, autocommit=True) as conn, conn.transaction():
            conn.execute(sql, params)

    return run


def breaks():
    """{(citizen id, entry id, kind)} of every break ``verify_ledger`` finds."""
    return {(b.citizen_id, b.entry_id, b.kind) for b in ledger_verify().breaks}


def verify_exit() -> tuple:
    """``manage.py verify_ledger``'s exit status and output."""
    out = io.StringIO()
    try:
        call_command("verify_ledger", "--no-progress", stdout=out, stderr=io.StringIO())
    except CommandError as error:
        return error.returncode, out.getvalue()
    return 0, out.getvalue()


def chain(citizen) -> list:
    return list(LedgerEntry.objects.filter(citizen=citizen).select_related("event").order_by("id"))


def unkeyed(entry, resident_id) -> str:
    """The hash a forger without the chain key can compute: SHA-256 of the same content."""
    return hashlib.sha256(entry.content_for_hash(resident_id).encode()).hexdigest()


def rewrite_chain(run, citizen, entry_id, new_delta, *, keyed):
    """Change one entry's delta and recompute the rest of the chain, ledger_head and score, as a superuser
    who has (``keyed``) or has not stolen the chain key."""
    entries, previous, balance, started = chain(citizen), "", 0, False
    for entry in entries:
        started = started or entry.pk == entry_id
        if entry.pk == entry_id:
            entry.delta = new_delta
        balance += entry.delta
        if started:
            entry.balance_after, entry.prev_hash = balance, previous
            entry.hash = entry.compute_hash(citizen.resident_id) if keyed else unkeyed(entry, citizen.resident_id)
            run("UPDATE points_ledgerentry SET delta = %s, balance_after = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [entry.delta, entry.balance_after, entry.prev_hash, entry.hash, entry.pk], replica=True)
        previous = entry.hash
    run("UPDATE citizens_citizen SET ledger_head = %s, score = %s WHERE id = %s", [previous, balance, citizen.pk])
    return balance


def forge_append(run, citizen, *, agency_id, delta, key_id):
    """Append an event and an entry with a valid-looking unkeyed hash and move the citizen, with no trigger
    switched off; returns (event id, entry id)."""
    citizen = Citizen.objects.get(pk=citizen.pk)
    now = timezone.now()
    [(event_id,)] = run(
        "INSERT INTO points_event (citizen_id, event_type, occurred_at, reported_at, agency_id, attributes, "
        "idempotency_key, fingerprint, policy_version, status, status_reason, status_changed_by, migrated) VALUES "
        "(%s, 'elderly_care', %s, %s, %s, '{}', 'forged-1', 'f', 'v', 'applied', '', '', false) RETURNING id",
        [citizen.pk, now, now, agency_id])
    entry = LedgerEntry(citizen_id=citizen.pk, event=Event.objects.get(pk=event_id), rule_id="SN-ELDERLY-CARE",
                        rule_title="Caring for an elderly family member", policy_version="v", kind="rule",
                        delta=delta, balance_after=citizen.score + delta, reason="", created_at=now,
                        prev_hash=citizen.ledger_head, key_id=key_id)
    entry.hash = unkeyed(entry, citizen.resident_id)
    [(entry_id,)] = run(
        "INSERT INTO points_ledgerentry (citizen_id, event_id, rule_id, rule_title, policy_version, kind, delta, "
        "balance_after, reason, created_at, prev_hash, hash, key_id) VALUES "
        "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
        [citizen.pk, event_id, entry.rule_id, entry.rule_title, entry.policy_version, entry.kind, delta,
         entry.balance_after, "", now, entry.prev_hash, entry.hash, key_id])
    run("UPDATE citizens_citizen SET score = %s, ledger_head = %s WHERE id = %s",
        [entry.balance_after, entry.hash, citizen.pk])
    return event_id, entry_id
