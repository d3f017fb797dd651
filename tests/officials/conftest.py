"""Fixtures for the officials' admin: users per role, the ``report`` fixture, an empty cache, a password hasher
that counts its work."""
import pytest

from tests.fixtures.admin import *  # noqa: F401,F403
from tests.fixtures.reporting import report  # noqa: F401 (after the star import: the fixture, not the helper)
from tests.officials.hashers import CountingHasher


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache (the dashboard's figures and the throttles live there)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def counting_hasher(settings):
    """Every password in these tests goes through ``CountingHasher``; returns the class."""
    settings.PASSWORD_HASHERS = ["tests.officials.hashers.CountingHasher"]
    CountingHasher.runs = 0
    return CountingHasher
