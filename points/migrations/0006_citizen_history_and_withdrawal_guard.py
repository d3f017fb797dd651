"""The register keeps its history, and an event is never withdrawn without its reversal entries.

- ``points_citizenrevision`` is written by a trigger on ``citizens_citizen`` whenever a register
  field changes (any column but the standing the ledger keeps: score, grade, grade_changed_at,
  enrolled_at, ledger_head) and when a row is deleted. The trigger function runs as its owner
  (SECURITY DEFINER), so the application role needs no INSERT on the history.
- A deferred constraint trigger on ``points_event`` refuses, at commit, a move to retracted or voided
  while an entry of the event that is not itself a reversal has no reversal entry.

PostgreSQL only; on SQLite the services are the only guard (points.services.event_withdraw).
"""

import django.db.models.deletion
from django.db import migrations, models

STANDING = "ARRAY['score', 'grade', 'grade_changed_at', 'enrolled_at', 'ledger_head']"

INSTALL = f"""
CREATE OR REPLACE FUNCTION points_citizen_history() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO points_citizenrevision (citizen_id, changed_at, db_user, before, after)
        VALUES (OLD.id, now(), session_user, to_jsonb(OLD) - {STANDING}, NULL);
        RETURN OLD;
    END IF;
    INSERT INTO points_citizenrevision (citizen_id, changed_at, db_user, before, after)
    VALUES (NEW.id, now(), session_user, to_jsonb(OLD) - {STANDING}, to_jsonb(NEW) - {STANDING});
    RETURN NEW;
END;
$$;

-- The WHEN clause keeps the function off the hot path: standing updates change no register field.
CREATE TRIGGER points_citizen_history AFTER UPDATE ON citizens_citizen FOR EACH ROW
    WHEN ((to_jsonb(OLD) - {STANDING}) IS DISTINCT FROM (to_jsonb(NEW) - {STANDING}))
    EXECUTE FUNCTION points_citizen_history();
CREATE TRIGGER points_citizen_history_delete AFTER DELETE ON citizens_citizen FOR EACH ROW
    EXECUTE FUNCTION points_citizen_history();

CREATE OR REPLACE FUNCTION points_event_withdrawn_reversed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    live bigint;
BEGIN
    SELECT e.id INTO live FROM points_ledgerentry e
    WHERE e.event_id = NEW.id AND e.reverses_id IS NULL
      AND NOT EXISTS (SELECT 1 FROM points_ledgerentry r WHERE r.reverses_id = e.id)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'event % is %, but its ledger entry % has no reversal entry', NEW.id, NEW.status, live
            USING HINT = 'Withdraw events through points.services.event_withdraw, which reverses their points.';
    END IF;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER points_event_withdrawn_reversed AFTER UPDATE ON points_event
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.status = 'applied' AND NEW.status IN ('retracted', 'voided'))
    EXECUTE FUNCTION points_event_withdrawn_reversed();
"""

REMOVE = """
DROP TRIGGER IF EXISTS points_event_withdrawn_reversed ON points_event;
DROP FUNCTION IF EXISTS points_event_withdrawn_reversed();
DROP TRIGGER IF EXISTS points_citizen_history ON citizens_citizen;
DROP TRIGGER IF EXISTS points_citizen_history_delete ON citizens_citizen;
DROP FUNCTION IF EXISTS points_citizen_history();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ('citizens', '0002_leaner_indexes'),
        ('points', '0005_ledger_key_id'),
    ]

    operations = [
        migrations.CreateModel(
            name='CitizenRevision',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('changed_at', models.DateTimeField()),
                ('db_user', models.CharField(help_text='The database role that made the change.', max_length=150)),
                ('before', models.JSONField()),
                ('after', models.JSONField(help_text='Empty when the record was deleted.', null=True)),
                ('citizen', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='revisions', to='citizens.citizen')),
            ],
            options={
                'ordering': ['citizen', 'changed_at', 'id'],
            },
        ),
        migrations.RunPython(_on_postgresql(INSTALL), _on_postgresql(REMOVE)),
    ]
