import pytest  # noqa: E402

from tests.admin.fixtures import *  # noqa: F401,F403


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache (the dashboard's figures and the throttles live there)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
