"""``field__any=[...]``: ``__in`` sent to PostgreSQL as one array parameter.

``__in`` writes one placeholder per value, so a batch's thousand-value list makes a new statement
text each time, which psycopg parses in Python before sending (it caches only short statements).
``= ANY(%s)`` has one placeholder whatever the list's length. Other databases get ``__in``'s SQL unchanged.
"""
from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject
from django.db.models.lookups import In


class AnyOf(In):
    lookup_name = "any"

    def as_postgresql(self, compiler, connection):
        if not self.rhs_is_direct_value():
            return super().as_sql(compiler, connection)
        field = self.lhs.output_field
        values = list(dict.fromkeys(
            field.get_db_prep_value(value, connection, prepared=True) for value in self.rhs if value is not None
        ))
        if not values:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::{array_type(field, connection)}[])", [*lhs_params, values]


def array_type(field, connection) -> str:
    """The element type for an array of ``field``'s values, without a length.

    An explicit cast to ``varchar(n)`` cuts longer values to n characters (the SQL standard), so
    a too-long key would match another row; ``varchar`` keeps every value whole.
    """
    return field.cast_db_type(connection).split("(")[0]


def register() -> None:
    Field.register_lookup(AnyOf)
    ForeignObject.register_lookup(AnyOf)  # foreign keys keep their own lookup table
