"""Sign-in fixtures: the admin's users per role, and a password hasher that counts its work."""
import pytest

from tests.admin.fixtures import *  # noqa: F401,F403
from tests.officials.hashers import CountingHasher


@pytest.fixture(autouse=True)
def counting_hasher(settings):
    """Every password in these tests goes through ``CountingHasher``; returns the class."""
    settings.PASSWORD_HASHERS = ["tests.officials.hashers.CountingHasher"]
    CountingHasher.runs = 0
    return CountingHasher
