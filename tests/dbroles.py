"""The suite on PostgreSQL as the restricted application role, with owner and superuser connections
for the tests that need them.

With ``DATABASE_APP_ROLE`` set, ``DATABASE_URL`` names the owner: it creates and migrates the test
database (``migrate`` grants the application role its privileges, ``points.db_roles``), then every
test runs connected as the application role. Flushes between transactional tests TRUNCATE, which
only the owner may: they run as the owner. Tests that attack the database as its superuser open a
connection of their own (``superuser_connection``).
"""
import os
from contextlib import contextmanager

import psycopg
from django.db import connections

APP_ROLE = os.environ.get("DATABASE_APP_ROLE", "")
SUPERUSER = os.environ.get("TEST_DB_SUPERUSER", "postgres")
OWNER = ""  # set by tests/conftest.py once the test database exists


def on_postgresql() -> bool:
    return connections["default"].vendor == "postgresql"


def restricted() -> bool:
    """Whether the tests run as the restricted application role."""
    return bool(APP_ROLE) and on_postgresql()


def _settings():
    return connections["default"].settings_dict


def switch_user(user: str, password: str | None = None) -> None:
    """From the next query on, the default connection logs in as ``user`` (this thread's connection is
    closed; other threads' new connections read the same settings)."""
    connections["default"].close()
    _settings()["USER"] = user
    _settings()["PASSWORD"] = password or ""


@contextmanager
def connected_as_owner(owner: str):
    """The default connection as the owner for a while (transactional tests only: it reconnects)."""
    app_user, app_password = _settings()["USER"], _settings()["PASSWORD"]
    switch_user(owner, os.environ.get("DATABASE_OWNER_PASSWORD"))
    try:
        yield
    finally:
        switch_user(app_user, app_password)


def superuser_connection() -> psycopg.Connection:
    """A connection of the database's superuser to the test database, in autocommit."""
    db = _settings()
    return psycopg.connect(dbname=db["NAME"], host=db["HOST"] or None, port=db["PORT"] or None, user=SUPERUSER,
                           autocommit=True)


def app_connection() -> psycopg.Connection:
    """A connection as the application role (the default connection's user), in autocommit."""
    db = _settings()
    return psycopg.connect(dbname=db["NAME"], host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"],
                           password=db["PASSWORD"] or None, autocommit=True)
