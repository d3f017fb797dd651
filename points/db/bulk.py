"""Fast inserts, updates, locks and instances: the one place the ledger writer's speed comes from.

The contract: each function behaves on PostgreSQL exactly as its plain Django equivalent does on
every database, or refuses loudly.

* ``build(model, **values)`` is ``model(**values)``; ``_instance`` checks once per model that its
  shortcut gives the very instance Django's constructor gives, and raises if Django changed.
* ``insert_all`` is ``bulk_create``: on PostgreSQL the ids come from the table's sequence and rows
  go in with COPY; ``pre_save`` (``auto_now``, ``auto_now_add``) runs on both databases, related
  instances saved after they were assigned give their keys, constraints and triggers apply as to
  INSERT. Models whose primary key is not an automatic integer are refused.
* ``lock_in_bulk`` is ``select_for_update().in_bulk()``, rows locked in primary-key order.
* ``update_fields`` writes the named fields of saved instances, one statement on PostgreSQL.
"""
import datetime
import decimal
import json
import operator
import uuid
from functools import cache
from typing import NamedTuple

from django.db import connection, connections, models
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

from points.db.lookups import array_type


def build(model, /, **values):
    """An unsaved ``model`` instance, like ``model(**values)`` without the cost of keyword construction
    (related-object descriptors, the ``pre_init``/``post_init`` signals); every report builds three.
    Values are stored by attname, as ``Model.__init__`` stores them; when anything listens to those
    signals the instance is made by ``__init__`` instead, so receivers still run. A related object
    passed by name (``citizen=person``) sets the key and is cached on the instance, as keyword
    construction does; fields not given get their defaults.
    """
    spec = _build_spec(model)
    related = []
    for name in [name for name in values if name in spec.relations]:
        field, instance = spec.relations[name], values.pop(name)
        values[field.attname] = None if instance is None else instance.pk
        if instance is not None:
            related.append((field, instance))
    if unknown := values.keys() - spec.attnames:
        raise TypeError(f"{model.__name__} has no field(s) {', '.join(sorted(unknown))}")
    made = {f.attname: f.get_default() for f in spec.made_defaults if f.attname not in values}
    obj = _instance(model, {**spec.constant_defaults, **made, **values})
    for field, instance in related:
        field.set_cached_value(obj, instance)
        if not field.remote_field.multiple:  # one-to-one: the other side knows it too, as Django's setter does
            field.remote_field.set_cached_value(instance, obj)
    return obj


def _instance(model, data: dict, *, db=None):
    """An instance holding ``data`` (a value for every concrete field's attname), as ``Model.__init__``
    stores it, or through ``__init__`` itself when anything listens to its signals. With ``db``:
    a row loaded from that database, as ``Model.from_db`` marks it."""
    if pre_init.receivers or post_init.receivers:
        obj = model(*[data[name] for name in _build_spec(model).attnames])
    else:
        obj = _shortcut(model, data)
    if db is not None:
        obj._state.adding, obj._state.db = False, db
    return obj


def _shortcut(model, data: dict):
    obj = model.__new__(model)
    obj._state = ModelState()
    obj.__dict__.update(data)
    return obj


class DjangoChanged(RuntimeError):
    """An assumption ``points.db`` makes about Django no longer holds: refuse rather than write wrongly."""


def _check_shortcut(model, spec) -> None:
    """Refuse if Django's constructor stores anything the shortcut does not (checked once per model)."""
    data = {**spec.constant_defaults, **{f.attname: f.get_default() for f in spec.made_defaults}}
    made, short = model(*[data[name] for name in spec.attnames]), _shortcut(model, data)
    if vars(made).keys() != vars(short).keys() or vars(made._state) != vars(short._state):
        raise DjangoChanged(f"Model.__init__ of {model.__name__} stores more than its fields: update points.db.bulk.")


class _BuildSpec(NamedTuple):
    attnames: tuple  # in concrete-field order: positional construction needs it
    constant_defaults: dict
    made_defaults: tuple  # fields whose default is made afresh for every instance (dict, list ...)
    relations: dict


@cache
def _build_spec(model) -> _BuildSpec:
    fields = model._meta.concrete_fields
    made = tuple(f for f in fields if f.has_default() and callable(f.default))
    spec = _BuildSpec(
        attnames=tuple(f.attname for f in fields),
        constant_defaults={f.attname: f.get_default() for f in fields if f not in made},
        made_defaults=made,
        relations={f.name: f for f in fields if f.is_relation},
    )
    _check_shortcut(model, spec)
    return spec


@cache
def _pre_saving(model) -> tuple:
    """Fields whose ``pre_save`` makes the value written (``auto_now``, ``auto_now_add``, file fields...)."""
    def changes_value(field):
        if isinstance(field, models.DateField | models.TimeField):  # DateTimeField included
            return field.auto_now or field.auto_now_add
        return type(field).pre_save is not models.Field.pre_save
    return tuple(f for f in model._meta.concrete_fields if changes_value(f))


def _automatic_pk(model):
    pk = model._meta.pk
    if pk.get_internal_type() not in ("AutoField", "BigAutoField", "SmallAutoField"):
        raise DjangoChanged(f"{model.__name__}'s primary key is not an automatic integer: insert_all cannot number it.")
    return pk


# Below this many rows one INSERT ... RETURNING costs less than taking ids and then copying.
COPY_FROM_ROWS = 8


def insert_all(model, objs: list) -> list:
    """Insert ``objs`` (unsaved model instances) and set their primary keys."""
    if not objs:
        return objs
    pk = _automatic_pk(model)
    if connection.vendor != "postgresql" or len(objs) < COPY_FROM_ROWS:
        return model._default_manager.bulk_create(objs)
    _link_related(model, objs)
    for field in _pre_saving(model):
        for obj in objs:
            setattr(obj, field.attname, field.pre_save(obj, True))
    fields = model._meta.concrete_fields
    table = model._meta.db_table
    with connection.cursor() as cursor:
        # The sequence is looked up once, not as nextval's argument, where it is searched for every row.
        cursor.execute(
            "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq) "
            "SELECT nextval(s.seq) FROM s, generate_series(1, %s)",
            [table, pk.column, len(objs)],
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
    alias = connection.alias  # read once: each read of the proxy goes through a thread-local lookup
    for obj in objs:
        obj._state.adding, obj._state.db = False, alias
    return objs


def lock_in_bulk(model, values, *, field_name: str) -> dict:
    """``select_for_update().in_bulk(values, field_name=...)``, rows locked in primary-key order.

    On PostgreSQL the values are joined as one array, so the planner looks each one up in the
    field's index; with the IN list ``in_bulk`` writes it may read the whole table instead.
    """
    values = list(dict.fromkeys(values))
    if connection.vendor != "postgresql" or not values:
        return model._default_manager.select_for_update().order_by("pk").in_bulk(values, field_name=field_name)
    field, fields = model._meta.get_field(field_name), model._meta.concrete_fields
    table, quote = model._meta.db_table, connection.ops.quote_name
    columns = ", ".join(f"t.{quote(f.column)}" for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM unnest(%s::{array_type(field, connection)}[]) AS v(value) "
            f"JOIN {quote(table)} t ON t.{quote(field.column)} = v.value ORDER BY t.{quote(model._meta.pk.column)} "
            f"FOR UPDATE OF t",
            [values],
        )
        objs = _from_rows(model, cursor.fetchall())
    return {getattr(obj, field.attname): obj for obj in objs}


def _from_rows(model, rows) -> list:
    """Saved instances from rows of every concrete field, as the ORM's ``Model.from_db`` makes them.

    Without ``__init__`` (and its signals) unless something listens, as in ``build``; fields that
    convert database values (``from_db_value``) are converted.
    """
    attnames = _build_spec(model).attnames
    converting = [(i, f) for i, f in enumerate(model._meta.concrete_fields) if hasattr(f, "from_db_value")]
    # The connection proxy is read once: each read goes through a thread-local lookup.
    conn = connections[connection.alias]
    objs = []
    for row in rows:
        if converting:
            row = list(row)
            for i, field in converting:
                row[i] = field.from_db_value(row[i], None, conn)
        objs.append(_instance(model, dict(zip(attnames, row, strict=True)), db=conn.alias))
    return objs


def _link_related(model, objs) -> None:
    """Take foreign keys from related instances saved after they were assigned, or refuse an unsaved
    one, as ``save`` and ``bulk_create`` do. Only an empty key is looked at: reading the field then
    gives the assigned instance, or None, without a query."""
    relations = [f for f in model._meta.concrete_fields if f.is_relation]
    for obj in objs:
        for field in relations:
            if getattr(obj, field.attname) is not None:
                continue
            related = getattr(obj, field.name)
            if related is not None and related.pk is None:
                raise ValueError(f"insert_all() prohibited to prevent data loss due to unsaved related object "
                                 f"'{field.name}'.")
            if related is not None:
                setattr(obj, field.attname, related.pk)


def _row_getter(fields):
    """A function giving an instance's database values for ``fields``, in order.

    psycopg adapts plain Python values itself: only JSON goes through Django's preparation, which
    for the other fields would only repeat what psycopg does.
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
            values[i] = _json_text(field, values[i])
        return values

    return row


def _json_text(field, value):
    """A JSON field's value as the text COPY and a ``::jsonb`` cast read.

    The same ``json.dumps`` Django's preparation ends in, without its three layers of wrappers;
    ``None`` still goes through Django, which decides between SQL NULL and JSON null.
    """
    if value is None:
        return field.get_db_prep_save(value, connection)
    return json.dumps(value, cls=field.encoder)


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
            # All rows in one JSON parameter: json.dumps writes it in C, where psycopg would dump the
            # elements of one array per column in Python.
            pk = model._meta.pk
            row_of = _row_getter([pk, *fields])
            payload = json.dumps([row_of(obj) for obj in objs], default=_json_default)
            columns = ", ".join(f"(r->>{i})::{array_type(f, connection)} AS c{i}" for i, f in enumerate(fields, 1))
            assignments = ", ".join(f"{quote(f.column)} = v.c{i}" for i, f in enumerate(fields, 1))
            cursor.execute(
                f"UPDATE {table} SET {assignments} "
                f"FROM (SELECT (r->>0)::{array_type(pk, connection)} AS pk, {columns} "
                f"FROM jsonb_array_elements(%s::jsonb) AS r) AS v WHERE {table}.{quote(pk.column)} = v.pk",
                [payload],
            )
        else:
            rows = [[f.get_db_prep_save(getattr(o, f.attname), connection) for f in fields] + [o.pk] for o in objs]
            assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s", rows)


def _json_default(value):
    if isinstance(value, (datetime.date, datetime.time)):  # datetimes too: ISO 8601 with the offset
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    raise TypeError(f"{type(value).__name__} values cannot be written by update_fields")


def analyze_if_stale(models_, *, growth: float = 0.1) -> None:
    """ANALYZE each model's table whose rows changed by more than ``growth`` (a fraction of its
    rows at the last analysis) plus 50 since then; PostgreSQL only.

    The default is autovacuum's own threshold (50 rows + 10 %).
    """
    if connection.vendor != "postgresql":
        return
    tables = [m._meta.db_table for m in models_]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
            "WHERE s.relname = ANY(%s) AND s.n_mod_since_analyze > 50 + %s * GREATEST(c.reltuples, 0)",
            [tables, growth],
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
