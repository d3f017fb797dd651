"""Database triggers that make the record tamper-proof on PostgreSQL.

- ``points_ledgerentry``: every UPDATE and DELETE is refused (the ledger is append-only).
- ``points_event``: DELETE is refused; UPDATE is allowed only for the status fields
  (status, status_reason, status_changed_at, status_changed_by), only from 'applied' to
  'retracted' or 'voided', and only with who, when and why filled in — the one change the
  reversal mechanism (points.services.event_withdraw) makes.

TRUNCATE is not covered (it needs table ownership; test databases are flushed with it).
On SQLite the model layer refuses the same (points.immutable); these triggers are skipped.
"""
from django.db import migrations

INSTALL = """
CREATE OR REPLACE FUNCTION points_ledgerentry_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger entry % is append-only: % refused', OLD.id, TG_OP
        USING HINT = 'Corrections are new reversal entries (points.services.event_withdraw).';
END;
$$;

CREATE TRIGGER points_ledgerentry_append_only
    BEFORE UPDATE OR DELETE ON points_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION points_ledgerentry_append_only();

CREATE OR REPLACE FUNCTION points_event_status_only() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    status_fields text[] := ARRAY['status', 'status_reason', 'status_changed_at', 'status_changed_by'];
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'event % is never deleted', OLD.id
            USING HINT = 'Withdraw it instead (points.services.event_withdraw).';
    END IF;
    IF (to_jsonb(NEW) - status_fields) IS DISTINCT FROM (to_jsonb(OLD) - status_fields) THEN
        RAISE EXCEPTION 'event % is immutable: only its status fields may change', OLD.id;
    END IF;
    IF OLD.status <> 'applied' OR NEW.status NOT IN ('retracted', 'voided') THEN
        RAISE EXCEPTION 'event % status may only move from applied to retracted or voided (not % to %)',
            OLD.id, OLD.status, NEW.status;
    END IF;
    IF NEW.status_changed_at IS NULL OR btrim(NEW.status_changed_by) = '' OR btrim(NEW.status_reason) = '' THEN
        RAISE EXCEPTION 'event % status change must say who, when and why', OLD.id;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER points_event_status_only
    BEFORE UPDATE OR DELETE ON points_event
    FOR EACH ROW EXECUTE FUNCTION points_event_status_only();
"""

REMOVE = """
DROP TRIGGER IF EXISTS points_event_status_only ON points_event;
DROP FUNCTION IF EXISTS points_event_status_only();
DROP TRIGGER IF EXISTS points_ledgerentry_append_only ON points_ledgerentry;
DROP FUNCTION IF EXISTS points_ledgerentry_append_only();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("points", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(INSTALL), _on_postgresql(REMOVE)),
    ]
