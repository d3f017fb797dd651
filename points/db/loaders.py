"""PostgreSQL connection set-up: load timestamps with psycopg's own (compiled) loader.

Django registers a pure-Python ``timestamptz`` loader on every connection so that values
come back in the connection's time zone; locking a batch's citizens reads three timestamps a row
through it. psycopg's compiled loader returns the same instants in the session's time zone, which Django
itself sets to its connection time zone (``DatabaseWrapper.init_connection_state``); the
small loader class below carries the ``timezone`` attribute Django's ``create_cursor``
compares with, so Django sees its own zone and keeps the loader.
"""
from functools import cache

import psycopg
from django.db.backends.signals import connection_created
from psycopg.adapt import Loader, PyFormat
from psycopg.postgres import types as pg_types


def install(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: use the fast loader when the session zone is Django's."""
    if connection.vendor != "postgresql" or connection.timezone is None:
        return
    raw = connection.connection
    if raw.info.timezone != connection.timezone:
        return  # then only Django's loader gives values in Django's zone
    raw.adapters.register_loader("timestamptz", _loader_for(connection.timezone))


@cache
def _loader_for(zone):
    """A loader class with Django's ``timezone`` attribute whose ``load`` is psycopg's compiled one.

    The compiled class cannot be subclassed, so each instance hands its ``load`` on directly.
    """
    fast = psycopg.adapters.get_loader(pg_types["timestamptz"].oid, PyFormat.as_pq(PyFormat.TEXT))

    class FastTzLoader(Loader):
        timezone = zone

        def __init__(self, oid, context=None):
            super().__init__(oid, context)
            self.load = fast(oid, context).load

        def load(self, data):  # replaced per instance in __init__; here for the abstract base
            raise NotImplementedError

    return FastTzLoader


def connect() -> None:
    """Use the fast loader on every connection opened from now on, and on the open one."""
    from django.db import connection

    connection_created.connect(install, dispatch_uid="points.db.loaders.install")
    if connection.connection is not None:
        install(None, connection)


def disconnect() -> None:
    """Stop installing the fast loader on new connections (open ones keep theirs until closed)."""
    connection_created.disconnect(dispatch_uid="points.db.loaders.install")
