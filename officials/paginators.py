"""A paginator for the admin's million-row lists (events, ledger entries)."""
from django.core.paginator import Paginator
from django.db import connection
from django.utils.functional import cached_property

ESTIMATE_ABOVE = 100_000


class EstimatedCountPaginator(Paginator):
    """Unfiltered lists on PostgreSQL take the planner's row estimate instead of COUNT(*).

    COUNT(*) reads the whole table on every page view, so its cost grows with the register; the
    estimate (kept by ANALYZE / autovacuum) costs one catalogue lookup. Filtered lists, small tables
    and SQLite count exactly.
    """

    @cached_property
    def count(self):
        estimate = self._estimate()
        return estimate if estimate is not None else super().count

    def _estimate(self):
        query = getattr(self.object_list, "query", None)
        if connection.vendor != "postgresql" or query is None or query.where:
            return None
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                           [query.model._meta.db_table])
            row = cursor.fetchone()
        return row[0] if row and row[0] >= ESTIMATE_ABOVE else None
