"""manage.py db_roles --owner OWNER --app APP: create or update the two PostgreSQL roles and the grants.

Run it connected as a superuser (or a role with CREATEROLE that owns the database). Idempotent.
"""
import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction
from django.utils.translation import gettext as _

from points import db_roles


class Command(BaseCommand):
    help = _("Create or update the owner role (runs migrations) and the restricted application role, and grant "
             "the application exactly its privileges (docs/operations.md, 'Database roles').")

    def add_arguments(self, parser):
        parser.add_argument("--owner", required=True, help=_("Role that owns the tables and runs migrations."))
        parser.add_argument("--app", required=True, help=_("Restricted role the application logs in as."))
        parser.add_argument("--createdb", action="store_true",
                            help=_("Let the owner create databases (the test runner needs it; not production)."))
        parser.add_argument("--database", default="default", help=_("Connection to use (a superuser's)."))

    def handle(self, *args, owner, app, createdb, database, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError(_("Database roles exist on PostgreSQL only; on SQLite there is nothing to do."))
        if owner == app:
            raise CommandError(_("The owner and the application must be different roles."))
        with transaction.atomic(using=database), connection.cursor() as cursor:
            self._role(cursor, connection, owner, os.environ.get("DATABASE_OWNER_PASSWORD"),
                       "CREATEDB" if createdb else "NOCREATEDB")
            self._role(cursor, connection, app, os.environ.get("DATABASE_APP_PASSWORD"), "NOCREATEDB")
            q_owner, q_app = connection.ops.quote_name(owner), connection.ops.quote_name(app)
            cursor.execute("SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
                           "JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = %s AND u.rolname = %s", [owner, app])
            if cursor.fetchone():
                cursor.execute(f"REVOKE {q_owner} FROM {q_app}")
            cursor.execute("SELECT current_database()")
            name = connection.ops.quote_name(cursor.fetchone()[0])
            cursor.execute(f"ALTER DATABASE {name} OWNER TO {q_owner}")
            cursor.execute(f"REVOKE CREATE ON SCHEMA public FROM {q_app}")
            db_roles.install_guards(connection)  # before the reassignment: its function must be the owner's too
            moved = self._reassign(cursor, connection, owner)
            db_roles.grant(connection, app, owner_role=owner)
        self.stdout.write(self.style.SUCCESS(_(
            "Roles %(owner)s (owner) and %(app)s (application) are set; %(moved)s objects moved to the owner."
        ) % {"owner": owner, "app": app, "moved": moved}))

    def _role(self, cursor, connection, role, password, createdb):
        quoted = connection.ops.quote_name(role)
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if not cursor.fetchone():
            cursor.execute(f"CREATE ROLE {quoted} LOGIN")
        cursor.execute(f"ALTER ROLE {quoted} LOGIN NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS {createdb}")
        if password:
            cursor.execute(f"ALTER ROLE {quoted} PASSWORD %s", [password])

    def _reassign(self, cursor, connection, owner) -> int:
        """Tables, sequences, views and the schema's functions made by someone else now belong to the owner."""
        q_owner = connection.ops.quote_name(owner)
        cursor.execute(
            "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') "
            "AND pg_get_userbyid(c.relowner) <> %s", [owner])
        rows = cursor.fetchall()
        for relname, _kind in rows:  # sequences owned by a table follow it
            cursor.execute(f"ALTER TABLE {connection.ops.quote_name(relname)} OWNER TO {q_owner}")
        cursor.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> %s", [owner])
        functions = [row[0] for row in cursor.fetchall()]
        for signature in functions:
            cursor.execute(f"ALTER FUNCTION {signature} OWNER TO {q_owner}")
        return len(rows) + len(functions)
