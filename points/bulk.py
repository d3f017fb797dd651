"""Fast inserts and updates for the bulk paths.

On PostgreSQL rows go in with COPY after their ids are taken from the
table's sequence, so objects get their primary keys like ``bulk_create``
gives them, at a fraction of the cost (measured with ``bench/ingest.py``).
Elsewhere this falls back to ``bulk_create``. Database constraints and
triggers apply to COPY exactly as to INSERT.
"""
import operator

from django.db import connection, models


def insert_all(model, objs: list) -> list:
    """Insert ``objs`` (unsaved model instances) and set their primary keys."""
    if not objs:
        return objs
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(objs)
    _link_related(model, objs)
    fields = model._meta.concrete_fields
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(objs)]
        )
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        row_of = _row_getter(fields)
        # The raw psycopg cursor bypasses Django's error translation: without this wrapper a duplicate key
        # raises psycopg's UniqueViolation instead of IntegrityError and callers' fallbacks never run.
        with connection.wrap_database_errors, cursor.cursor.copy(
            f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN"
        ) as copy:
            for obj in objs:
                copy.write_row(row_of(obj))
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias
    return objs


def _link_related(model, objs) -> None:
    """Take foreign keys from related instances saved after they were assigned (as ``save`` does).

    Django's own check costs ~7 µs a row and field; only rows with an empty key and a cached
    related instance need it.
    """
    relations = [f for f in model._meta.concrete_fields if f.is_relation]
    for obj in objs:
        if any(getattr(obj, f.attname) is None and f.is_cached(obj) for f in relations):
            obj._prepare_related_fields_for_save(operation_name="insert_all")


def _row_getter(fields):
    """A function giving an instance's database values for ``fields``, in order.

    psycopg adapts plain Python values itself: only JSON goes through Django's preparation
    (preparing every field through Django cost ~60 µs a row).
    """
    get = operator.attrgetter(*(f.attname for f in fields))
    if len(fields) == 1:
        return lambda obj: (get(obj),)
    json_fields = [(i, f) for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    if not json_fields:
        return get

    def row(obj):
        values = list(get(obj))
        for i, field in json_fields:
            values[i] = field.get_db_prep_save(values[i], connection)
        return values

    return row


def update_fields(model, objs, field_names) -> None:
    """Write ``field_names`` of each saved instance: one statement on PostgreSQL, a batch elsewhere."""
    objs = list(objs)
    if not objs:
        return
    fields = [model._meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One array parameter per column: psycopg adapts lists fast, and the
            # statement text stays the same size whatever the batch size.
            row_of = _row_getter([*fields, model._meta.pk])
            columns = [list(column) for column in zip(*map(row_of, objs), strict=True)]
            types = [f.db_type(connection) for f in fields] + ["bigint"]
            arrays = ", ".join(f"%s::{t}[]" for t in types)
            names = [f"c{i}" for i in range(len(fields))]
            assignments = ", ".join(f"{quote(f.column)} = v.{n}" for f, n in zip(fields, names, strict=True))
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM unnest({arrays}) AS v({', '.join(names)}, pk) "
                f"WHERE {table}.id = v.pk",
                columns,
            )
        else:
            rows = [[f.get_db_prep_save(getattr(o, f.attname), connection) for f in fields] + [o.pk] for o in objs]
            assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", rows)


def analyze_if_stale(models_) -> None:
    """ANALYZE each model's table whose rows changed by more than a tenth since its last analysis.

    The threshold is autovacuum's default (50 rows + 10 %); PostgreSQL only.
    """
    if connection.vendor != "postgresql":
        return
    tables = [m._meta.db_table for m in models_]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
            "WHERE s.relname = ANY(%s) AND s.n_mod_since_analyze > 50 + 0.1 * GREATEST(c.reltuples, 0)",
            [tables],
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
