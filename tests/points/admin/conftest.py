"""The points admin (agencies, events, ledger): users per role, citizens and reports, an empty cache.

``superuser`` here is a user of the admin, not the tamper suite's database superuser (tests/points/conftest.py)."""
import pytest

from tests.fixtures.admin import *  # noqa: F401,F403


@pytest.fixture(autouse=True)
def fresh_dashboard_cache():
    """Each test starts with an empty cache (SQLite may reuse the ids the cache key is made of)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
