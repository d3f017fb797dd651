"""Fast inserts, updates, locks and instances: the one place the ledger writer's speed comes from.

The contract: each function behaves on PostgreSQL exactly as its plain Django equivalent does on
every database, or refuses loudly.

* ``build(model, **values)`` is ``model(**values)``; ``_instance`` checks once per model that its
  shortcut gives the very instance Django's constructor gives, and raises if Django changed.
* ``insert_all`` is ``bulk_create``: a few rows go in with one cached INSERT ... RETURNING statement,
  more on PostgreSQL with COPY (ids from the table's sequence); ``pre_save`` (``auto_now``,
  ``auto_now_add``) runs on both databases, related instances saved after they were assigned give
  their keys, constraints and triggers apply as to INSERT. Models whose primary key is not an
  automatic integer are refused.
* ``lock_in_bulk`` is ``select_for_update().in_bulk()``, rows locked in primary-key order.
* ``update_fields`` writes the named fields of saved instances, one statement on PostgreSQL.
* ``value_of`` and ``filter_in`` are ``values_list(...).first()`` and ``filter(..., x__in=...)`` for
  the reads every report makes, their SQL built once.
* ``together`` runs the inserts and updates made in its block when the block ends, in order, and
  ``read_together`` several reads: on PostgreSQL in one message each, elsewhere one by one; the
  rows written and read are those of the calls made one by one.
"""
import datetime
import decimal
import json
import operator
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
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
    """Insert ``objs`` (unsaved model instances) and set their primary keys (inside ``together``: when
    its block ends)."""
    if not objs:
        return objs
    pk = _automatic_pk(model)
    if any(getattr(obj, pk.attname) is not None for obj in objs):
        raise ValueError(f"insert_all() numbers new {model.__name__} rows itself: these already have keys.")
    for field in _pre_saving(model):
        for obj in objs:
            setattr(obj, field.attname, field.pre_save(obj, True))
    queue = _queue.get()
    if queue is not None:
        queue.append(_Insert(model, objs))
        return objs
    _link_related(model, objs)
    _Insert(model, objs).run()
    return objs


class _Insert(NamedTuple):
    model: type
    objs: list

    def run(self) -> None:
        if connection.vendor == "postgresql" and len(self.objs) >= COPY_FROM_ROWS:
            _copy(self.model, self.objs)
            self.saved()
        elif connection.vendor == "postgresql":
            conn = connections[connection.alias]
            _send(conn, [self.statement(conn)])
        else:
            self.run_one_by_one()

    @property
    def fusable(self) -> bool:
        return len(self.objs) < COPY_FROM_ROWS

    def statement(self, conn) -> tuple:
        """PostgreSQL's INSERT ... RETURNING, as ``bulk_create`` writes it (which relies on its rows
        coming back in the order given); values prepared as COPY prepares them (``_row_getter``).

        A placeholder per value, not the rows in one JSON parameter as ``update_fields`` sends many:
        PostgreSQL plans and runs ``INSERT ... SELECT FROM jsonb_array_elements`` at several times the
        cost of ``VALUES``, more than psycopg saves on quoting."""
        _, row_of = _insert_spec(self.model)
        params = [value for obj in self.objs for value in row_of(obj)]
        return _insert_sql(self.model, conn.vendor, len(self.objs)), params, self.take_keys

    def take_keys(self, rows) -> None:
        for obj, (key,) in zip(self.objs, rows, strict=True):
            obj.pk = key
        self.saved()

    def run_one_by_one(self) -> None:
        """One statement per row, values prepared by ``get_db_prep_save`` as ``bulk_create`` prepares
        them: SQLite's RETURNING rows come back in no promised order."""
        conn = connections[connection.alias]  # once: each read of the proxy is a thread-local lookup
        fields, _ = _insert_spec(self.model)
        with conn.cursor() as cursor:
            for obj in self.objs:
                cursor.execute(_insert_sql(self.model, conn.vendor, 1),
                               [f.get_db_prep_save(getattr(obj, f.attname), conn) for f in fields])
                obj.pk = cursor.fetchone()[0]
        self.saved()

    def saved(self) -> None:
        alias = connection.alias
        for obj in self.objs:
            obj._state.adding, obj._state.db = False, alias


@cache
def _insert_spec(model) -> tuple:
    fields = [f for f in model._meta.concrete_fields if f is not model._meta.pk]
    return fields, _row_getter(fields)


@cache
def _insert_sql(model, vendor: str, rows: int) -> str:
    quote = connections[connection.alias].ops.quote_name
    fields, _ = _insert_spec(model)
    # JSON arrives as its text on PostgreSQL (``_row_getter``).
    cast = {f: "::jsonb" if vendor == "postgresql" and isinstance(f, models.JSONField) else "" for f in fields}
    one = f"({', '.join(f'%s{cast[f]}' for f in fields)})"
    return (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
            f"VALUES {', '.join([one] * rows)} RETURNING {quote(model._meta.pk.column)}")


def _copy(model, objs) -> None:
    """Ids from the table's sequence, then the rows with COPY."""
    fields = model._meta.concrete_fields
    table = model._meta.db_table
    with connection.cursor() as cursor:
        # The sequence is looked up once, not as nextval's argument, where it is searched for every row.
        cursor.execute(
            "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq) "
            "SELECT nextval(s.seq) FROM s, generate_series(1, %s)",
            [table, model._meta.pk.column, len(objs)],
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


def lock_in_bulk(model, values, *, field_name: str) -> dict:
    """``select_for_update().in_bulk(values, field_name=...)``, rows locked in primary-key order."""
    return read_together(LockInBulk(model, list(values), field_name))[0]


def filter_in(model, *, equal: dict, field_name: str, values) -> list:
    """``model.objects.filter(**equal, <field_name>__in=values)`` as saved instances, in no order."""
    return read_together(FilterIn(model, equal, field_name, list(values)))[0]


class LockInBulk(NamedTuple):
    """The read of ``lock_in_bulk``. On PostgreSQL the values are joined as one array, so the planner
    looks each one up in the field's index; with the IN list ``in_bulk`` writes it may read the whole
    table instead."""

    model: type
    values: object
    field_name: str

    def orm(self) -> dict:
        return (self.model._default_manager.select_for_update().order_by("pk")
                .in_bulk(list(dict.fromkeys(self.values)), field_name=self.field_name))

    def statement(self, conn) -> tuple:
        return _lock_sql(self.model, self.field_name), [list(dict.fromkeys(self.values))]

    def result(self, rows) -> dict:
        attname = self.model._meta.get_field(self.field_name).attname
        return {getattr(obj, attname): obj for obj in _from_rows(self.model, rows)}


class FilterIn(NamedTuple):
    """The read of ``filter_in``: one statement per model and shape on PostgreSQL."""

    model: type
    equal: dict
    field_name: str
    values: object

    def orm(self) -> list:
        values = list(dict.fromkeys(self.values))
        return list(self.model._default_manager.filter(**self.equal, **{f"{self.field_name}__in": values})
                    .order_by()) if values else []

    def statement(self, conn) -> tuple:
        names = tuple(sorted(self.equal))
        return (_filter_in_sql(self.model, names, self.field_name),
                [*(self.equal[name] for name in names), list(dict.fromkeys(self.values))])

    def result(self, rows) -> list:
        return _from_rows(self.model, rows)


def read_together(*reads) -> list:
    """The results of ``reads`` (``LockInBulk``, ``FilterIn``), in order: on PostgreSQL one round trip
    for all of them (statements in one message, as ``together`` sends writes), elsewhere the ORM's
    query for each. A read of no values gives an empty result without a statement."""
    conn = connections[connection.alias]  # once: each read of the proxy is a thread-local lookup
    if conn.vendor != "postgresql":
        return [read.orm() for read in reads]
    asked = [read for read in reads if read.values]
    if len(asked) > 1 and not _one_message_allowed(conn):
        return [read_together(read)[0] for read in reads]
    rows = dict(zip(map(id, asked), _in_one_message(conn, [read.statement(conn) for read in asked]), strict=True))
    return [read.result(rows.get(id(read), [])) for read in reads]


@cache
def _lock_sql(model, field_name: str) -> str:
    conn = connections[connection.alias]
    field, quote = model._meta.get_field(field_name), conn.ops.quote_name
    columns = ", ".join(f"t.{quote(f.column)}" for f in model._meta.concrete_fields)
    return (f"SELECT {columns} FROM unnest(%s::{array_type(field, conn)}[]) AS v(value) "
            f"JOIN {quote(model._meta.db_table)} t ON t.{quote(field.column)} = v.value "
            f"ORDER BY t.{quote(model._meta.pk.column)} FOR UPDATE OF t")


def value_of(model, field_name: str, pk):
    """``model.objects.filter(pk=pk).values_list(field_name, flat=True).first()``; on PostgreSQL one
    cached statement, for a value read on every request."""
    if connection.vendor != "postgresql":
        return model._default_manager.filter(pk=pk).values_list(field_name, flat=True).first()
    field = model._meta.get_field(field_name)
    with connection.cursor() as cursor:
        cursor.execute(_value_sql(model, field_name), [pk])
        row = cursor.fetchone()
    if row is None or not hasattr(field, "from_db_value"):
        return None if row is None else row[0]
    return field.from_db_value(row[0], None, connection)


@cache
def _value_sql(model, field_name: str) -> str:
    quote = connections[connection.alias].ops.quote_name
    return (f"SELECT {quote(model._meta.get_field(field_name).column)} FROM {quote(model._meta.db_table)} "
            f"WHERE {quote(model._meta.pk.column)} = %s")


@cache
def _filter_in_sql(model, names: tuple, field_name: str) -> str:
    conn = connections[connection.alias]
    quote, meta = conn.ops.quote_name, model._meta
    field = meta.get_field(field_name)
    where = [f"{quote(meta.get_field(name).column)} = %s" for name in names]
    where.append(f"{quote(field.column)} = ANY(%s::{array_type(field, conn)}[])")
    return (f"SELECT {', '.join(quote(f.column) for f in meta.concrete_fields)} FROM {quote(meta.db_table)} "
            f"WHERE {' AND '.join(where)}")


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
    """Write ``field_names`` of each saved instance: one statement on PostgreSQL, a batch elsewhere
    (inside ``together``: when its block ends)."""
    objs = list(objs)
    if not objs:
        return
    queue = _queue.get()
    op = _Update(model, objs, tuple(field_names))
    if queue is not None:
        queue.append(op)
    else:
        op.run()


class _Update(NamedTuple):
    model: type
    objs: list
    field_names: tuple

    fusable = True

    def run(self) -> None:
        conn = connections[connection.alias]  # once: each read of the proxy is a thread-local lookup
        if conn.vendor == "postgresql":
            _send(conn, [self.statement(conn)])
            return
        fields = [self.model._meta.get_field(name) for name in self.field_names]
        rows = [[f.get_db_prep_save(getattr(o, f.attname), conn) for f in fields] + [o.pk] for o in self.objs]
        with conn.cursor() as cursor:
            cursor.executemany(_update_sql(self.model, self.field_names, conn.vendor, one_row=True), rows)

    def statement(self, conn) -> tuple:
        fields = [self.model._meta.get_field(name) for name in self.field_names]
        if len(self.objs) == 1:  # joined to a JSON parameter, one row may be planned as a scan of the table
            params = [*_row_getter(fields)(self.objs[0]), self.objs[0].pk]
            return _update_sql(self.model, self.field_names, conn.vendor, one_row=True), params, None
        # All rows in one JSON parameter: json.dumps writes it in C, where psycopg would dump the
        # elements of one array per column in Python.
        row_of = _row_getter([self.model._meta.pk, *fields])
        payload = json.dumps([row_of(obj) for obj in self.objs], default=_json_default)
        return _update_sql(self.model, self.field_names, conn.vendor, one_row=False), [payload], None


# --- together -------------------------------------------------------------------

_queue: ContextVar = ContextVar("points_db_queue", default=None)


@contextmanager
def together():
    """Run the ``insert_all`` and ``update_fields`` calls made inside the block when it ends, in the
    order they were made, in as few round trips as the database allows.

    On PostgreSQL (with Django's default client-side binding) the statements go in one message, up
    to a row that refers to an instance the block has not saved yet (a grade change naming a new
    entry): the statements before it go first, so that its key is known. Elsewhere each runs on its
    own. Keys are set when the block ends, so nothing inside may need them; the queued instances must
    not change before then. A block inside another joins it; nothing is written if the block raises.
    """
    if _queue.get() is not None:
        yield
        return
    token = _queue.set([])
    try:
        yield
        ops = _queue.get()
    finally:
        _queue.reset(token)
    _run_together(ops)


def _run_together(ops) -> None:
    wave = []
    for op in ops:
        if isinstance(op, _Insert) and _refers_to_unsaved(op.model, op.objs):
            _run_wave(wave)
            wave = []
        wave.append(op)
    _run_wave(wave)


def _run_wave(ops) -> None:
    for op in ops:
        if isinstance(op, _Insert):
            _link_related(op.model, op.objs)
    conn = connections[connection.alias]
    if conn.vendor != "postgresql" or not _one_message_allowed(conn):
        for op in ops:
            op.run()
        return
    statements = []
    for op in ops:
        if op.fusable:
            statements.append(op.statement(conn))
            continue
        _send(conn, statements)
        statements = []
        op.run()
    _send(conn, statements)


def _send(conn, statements) -> None:
    """Execute ``(sql, params, take)`` statements in one message; ``take`` (if any) gets the rows."""
    results = _in_one_message(conn, [(sql, params) for sql, params, _ in statements],
                              returning=[take is not None for _, _, take in statements])
    for (_, _, take), rows in zip(statements, results, strict=True):
        if take is not None:
            take(rows)


def _in_one_message(conn, statements, returning=None) -> list:
    """Execute ``(sql, params)`` statements on PostgreSQL in one message; each one's rows, in order
    (``returning``: which of them return rows; default all)."""
    if not statements:
        return []
    returning = returning or [True] * len(statements)
    results = []
    with conn.cursor() as cursor:
        cursor.execute("; ".join(sql for sql, _ in statements), [v for _, params in statements for v in params])
        for position, rows in enumerate(returning):
            results.append(cursor.fetchall() if rows else [])
            if position < len(statements) - 1:
                cursor.nextset()
    return results


def _one_message_allowed(conn) -> bool:
    """Several statements in one execute need psycopg's client-side binding, Django's default."""
    return not conn.settings_dict["OPTIONS"].get("server_side_binding")


def _refers_to_unsaved(model, objs) -> bool:
    """Whether a row's foreign key waits for a related instance to be saved."""
    relations = [f for f in model._meta.concrete_fields if f.is_relation]
    for obj in objs:
        for field in relations:
            if getattr(obj, field.attname) is None and field.is_cached(obj):
                related = field.get_cached_value(obj)
                if related is not None and related.pk is None:
                    return True
    return False


@cache
def _update_sql(model, field_names: tuple, vendor: str, *, one_row: bool) -> str:
    conn = connections[connection.alias]
    quote, pk = conn.ops.quote_name, model._meta.pk
    fields = [model._meta.get_field(name) for name in field_names]
    table = quote(model._meta.db_table)
    if one_row:
        cast = {f: "::jsonb" if vendor == "postgresql" and isinstance(f, models.JSONField) else "" for f in fields}
        assignments = ", ".join(f"{quote(f.column)} = %s{cast[f]}" for f in fields)
        return f"UPDATE {table} SET {assignments} WHERE {quote(pk.column)} = %s"
    columns = ", ".join(f"(r->>{i})::{array_type(f, conn)} AS c{i}" for i, f in enumerate(fields, 1))
    assignments = ", ".join(f"{quote(f.column)} = v.c{i}" for i, f in enumerate(fields, 1))
    return (f"UPDATE {table} SET {assignments} "
            f"FROM (SELECT (r->>0)::{array_type(pk, conn)} AS pk, {columns} "
            f"FROM jsonb_array_elements(%s::jsonb) AS r) AS v WHERE {table}.{quote(pk.column)} = v.pk")


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
