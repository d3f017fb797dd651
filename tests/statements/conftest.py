"""The API's callers (tests/api/conftest.py) and the ``report`` fixture for the statement tests."""
from tests.api.conftest import (  # noqa: F401
    _clean_throttle_counters,
    _fast_password_hashing,
    as_agency,
    as_official,
    official,
    tokens,
)
from tests.fixtures.reporting import report  # noqa: F401
