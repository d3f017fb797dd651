"""Appeal tests call the API as agencies and officials (the API tests' fixtures, shared) and report events
through the service (tests/fixtures/reporting.py)."""
from tests.api.conftest import (  # noqa: F401 (fixtures)
    _agency_token_memo,
    _clean_throttle_counters,
    _fast_password_hashing,
    as_agency,
    as_official,
    as_second_official,
    official,
    second_official,
    tokens,
)
from tests.fixtures.reporting import report  # noqa: F401
