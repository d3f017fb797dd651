"""The citizens admin: users per role, citizens and reports (tests/fixtures/admin.py), an empty cache."""
import pytest

from tests.fixtures.admin import *  # noqa: F401,F403


@pytest.fixture(autouse=True)
def fresh_dashboard_cache():
    """Each test starts with an empty cache (SQLite may reuse the ids the cache key is made of)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
