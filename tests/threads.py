"""Run the same work from several threads, each with its own database connection."""
from concurrent.futures import ThreadPoolExecutor

from django.db import connection


def run_in_threads(count: int, work) -> list:
    """``work(index)`` in ``count`` threads at once; returns the results in index order."""

    def wrapped(index):
        try:
            return work(index)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(wrapped, range(count)))
