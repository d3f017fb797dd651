"""Least-privilege PostgreSQL roles and the append-only guards of everything that shows due process.

Two roles: the **owner** owns the tables and runs migrations; the **application** logs in as a role
(``DATABASE_APP_ROLE``) that may not TRUNCATE, DELETE from or ALTER the tables below, nor disable
their triggers (that needs ownership). ``PROTECTED`` is the one list of those tables and of the
columns the application may still UPDATE; every other table (sessions, auth, caches, tables other
apps add later) gets full DML, so new features keep working without touching this file.

For the same tables, row triggers refuse DELETE and any UPDATE outside the allowed columns, for
every role but a superuser who disables them (the checkpoints and the keyed chain catch that), and
a deferred constraint trigger refuses an event withdrawn without its reversal entries.

``after_migrate`` (post_migrate) re-applies grants and triggers after every ``migrate``, so new
tables are covered; ``manage.py db_roles`` creates the roles. None of this applies to SQLite.
"""
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction


@dataclass(frozen=True)
class Protected:
    """A table the application may read and append to. ``update``: the only columns it may change;
    ``update_all_but``: instead, every column but these may change (for a table whose other lane
    adds status columns, e.g. notices' delivery). ``delete``: whether rows may ever be deleted."""

    update: tuple = ()
    update_all_but: tuple | None = None

    def mutable(self, columns) -> list:
        if self.update_all_but is not None:
            return [c for c in columns if c not in self.update_all_but]
        return [c for c in self.update if c in columns]


EVENT_STATUS_COLUMNS = ("status", "status_reason", "status_changed_at", "status_changed_by")

# The one place that says what the application may change in the record of due process.
PROTECTED = {
    # The ledger itself and the grade history: append-only (triggers of migration 0002 for the ledger).
    "points_ledgerentry": Protected(),
    "points_gradechange": Protected(),
    # Events: only the controlled status transition (points.services.event_withdraw; migration 0002).
    "points_event": Protected(update=EVENT_STATUS_COLUMNS),
    # The register: a record changes (moves, names, standings), never disappears; history by trigger.
    "citizens_citizen": Protected(update_all_but=("id",)),
    "points_citizenrevision": Protected(),
    # Appeals move only through their transitions, which are append-only.
    "appeals_appeal": Protected(update=(
        "state", "decided_by", "decided_at", "decision_reasons", "source_answer", "source_answered_at",
        "source_answered_by", "source_reasons", "source_evidence", "suspended_at",
    )),
    "appeals_appealtransition": Protected(),
    # The citizen's evidence files of an appeal: what was given stays given.
    "appeals_evidence": Protected(),
    # Who read what, who did what in the admin.
    "audit_accesslog": Protected(),
    "django_admin_log": Protected(),
    # Notices: what was said is fixed; how its delivery went moves (every column not listed here).
    "notices_notice": Protected(update_all_but=(
        "id", "citizen_id", "event_id", "kind", "created_at", "score_before", "score_after", "grade_before",
        "grade_after", "rule_ids", "subject", "body", "appeal_deadline_days", "agency_id", "appeal_id", "dedup_key",
        "official_id",
    )),
    # Each try to deliver a notice: recorded when it starts, closed once with how it went.
    "notices_deliveryattempt": Protected(update=("outcome", "finished_at", "error")),
    # Four-eyes adjustments: a proposal is decided once, never rewritten.
    "officials_adjustmentproposal": Protected(update=(
        "status", "approved_by_id", "approved_at", "rejected_by_id", "rejected_at", "rejection_reason", "event_id",
    )),
}
# Tables whose guard trigger comes from their own migration (points 0002) rather than from here.
_OWN_TRIGGERS = {"points_ledgerentry", "points_event", "citizens_citizen"}

GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION points_guard_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    mode text := TG_ARGV[0];
    cols text[] := coalesce(TG_ARGV[1:], ARRAY[]::text[]);
    before jsonb;
    after jsonb;
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '% row % is never deleted', TG_TABLE_NAME, OLD.id
            USING HINT = 'Due-process records are append-only (points/db_roles.py).';
    END IF;
    IF mode = 'only' THEN
        before := to_jsonb(OLD) - cols;
        after := to_jsonb(NEW) - cols;
    ELSE
        SELECT jsonb_object_agg(key, value) INTO before FROM jsonb_each(to_jsonb(OLD)) WHERE key = ANY(cols);
        SELECT jsonb_object_agg(key, value) INTO after FROM jsonb_each(to_jsonb(NEW)) WHERE key = ANY(cols);
    END IF;
    IF before IS DISTINCT FROM after THEN
        RAISE EXCEPTION '% row % is append-only: only its documented status columns may change', TG_TABLE_NAME, OLD.id
            USING HINT = 'See PROTECTED in points/db_roles.py.';
    END IF;
    RETURN NEW;
END;
$$;
"""


def _quote(connection, name: str) -> str:
    return connection.ops.quote_name(name)


def _columns(cursor, table: str) -> list:
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = %s ORDER BY ordinal_position", [table])
    return [row[0] for row in cursor.fetchall()]


def install_guards(connection) -> None:
    """(Re)install the row guards of every protected table that exists (idempotent)."""
    with connection.cursor() as cursor:
        cursor.execute(GUARD_FUNCTION)
        for table, rule in PROTECTED.items():
            columns = _columns(cursor, table)
            if not columns or table in _OWN_TRIGGERS:
                continue
            if rule.update_all_but is not None:
                args = ["except", *[c for c in rule.update_all_but if c in columns]]
            else:
                args = ["only", *rule.mutable(columns)]
            literals = ", ".join("'" + a.replace("'", "''") + "'" for a in args)
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER points_guard_row BEFORE UPDATE OR DELETE ON {_quote(connection, table)} "
                f"FOR EACH ROW EXECUTE FUNCTION points_guard_row({literals})")


def grant(connection, app_role: str, *, owner_role: str | None = None) -> None:
    """Give ``app_role`` exactly its privileges on every table now in the schema, and full DML on the
    tables ``owner_role`` (default: the current role) creates later. Idempotent; one transaction, so
    the application never sees a moment without its grants."""
    app = _quote(connection, app_role)
    owner = f"FOR ROLE {_quote(connection, owner_role)} " if owner_role else ""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {app}")
        cursor.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {app}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app}")
        cursor.execute(f"ALTER DEFAULT PRIVILEGES {owner}IN SCHEMA public "
                       f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}")
        cursor.execute(f"ALTER DEFAULT PRIVILEGES {owner}IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {app}")
        for table, rule in PROTECTED.items():
            columns = _columns(cursor, table)
            if not columns:
                continue
            name = _quote(connection, table)
            cursor.execute(f"REVOKE ALL ON {name} FROM {app}")
            cursor.execute(f"GRANT SELECT, INSERT ON {name} TO {app}")
            if mutable := rule.mutable(columns):
                listed = ", ".join(_quote(connection, c) for c in mutable)
                cursor.execute(f"GRANT UPDATE ({listed}) ON {name} TO {app}")


def after_migrate(sender, using, **kwargs) -> None:
    """post_migrate: guards on every protected table, and the application role's grants if one is set."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    install_guards(connection)
    if settings.DATABASE_APP_ROLE:
        grant(connection, settings.DATABASE_APP_ROLE)


def privileged_reasons(connection) -> list:
    """Why this connection's role is too powerful to serve the application (empty when it is not)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        reasons = ["superuser"] if cursor.fetchone()[0] else []
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
            "AND pg_has_role(current_user, c.relowner, 'MEMBER')")
        if cursor.fetchone()[0]:
            reasons.append("owner of the tables")
    return reasons


def refuse_privileged(sender, connection, **kwargs) -> None:
    """connection_created: with ``DATABASE_REFUSE_PRIVILEGED`` (production), refuse a default
    connection whose role could bypass the grants and triggers (superuser, or owner of the tables)."""
    if not settings.DATABASE_REFUSE_PRIVILEGED or connection.alias != "default" or connection.vendor != "postgresql":
        return
    reasons = privileged_reasons(connection)
    if reasons:
        raw, connection.connection = connection.connection, None
        raw.close()
        raise ImproperlyConfigured(
            f"The application must not connect as {' or '.join(reasons)} "
            f"(user {connection.settings_dict.get('USER')!r}): connect as the restricted role "
            "(docs/operations.md, 'Database roles'); migrations run with DATABASE_ROLE=owner."
        )
