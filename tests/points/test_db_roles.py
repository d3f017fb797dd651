"""manage.py db_roles: creates or updates the two roles and the grants, idempotently; what it grants is
exactly PROTECTED's list."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from points.db_roles import PROTECTED, Protected
from tests import dbroles

ROOT = Path(__file__).resolve().parents[2]


def _privileges(table: str) -> set:
    with connection.cursor() as cursor:
        cursor.execute("SELECT privilege_type FROM information_schema.role_table_grants "
                       "WHERE grantee = current_user AND table_name = %s", [table])
        return {row[0] for row in cursor.fetchall()}


def _updatable(table: str) -> set:
    with connection.cursor() as cursor:
        cursor.execute("SELECT column_name FROM information_schema.column_privileges WHERE grantee = current_user "
                       "AND table_name = %s AND privilege_type = 'UPDATE'", [table])
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.postgres
def test_rerunning_the_command_as_the_superuser_keeps_exactly_the_grants(transactional_db):
    if not dbroles.restricted():
        pytest.skip("needs the two roles (DATABASE_APP_ROLE on PostgreSQL)")
    db = connection.settings_dict
    env = {**os.environ, "DATABASE_URL": f"postgres://{dbroles.SUPERUSER}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}
    for _ in range(2):
        done = subprocess.run([sys.executable, "manage.py", "db_roles", "--owner", dbroles.OWNER, "--app",
                               dbroles.APP_ROLE, "--createdb"], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
    assert _privileges("points_ledgerentry") == {"SELECT", "INSERT"}
    assert _privileges("django_session") == {"SELECT", "INSERT", "UPDATE", "DELETE"}
    assert _updatable("points_event") == set(PROTECTED["points_event"].update)
    assert "body" not in _updatable("notices_notice") and "delivery_status" in _updatable("notices_notice")


def test_the_command_refuses_sqlite_and_one_role_for_both(db):
    if connection.vendor == "postgresql":
        with pytest.raises(CommandError, match="different roles"):
            call_command("db_roles", "--owner", "x", "--app", "x")
    else:
        with pytest.raises(CommandError, match="PostgreSQL only"):
            call_command("db_roles", "--owner", "o", "--app", "a")


def test_mutable_columns_follow_the_table():
    assert Protected(update=("a", "z")).mutable(["id", "a", "b"]) == ["a"]
    assert Protected(update_all_but=("id", "body")).mutable(["id", "body", "new_status"]) == ["new_status"]
    assert Protected().mutable(["id", "a"]) == []
