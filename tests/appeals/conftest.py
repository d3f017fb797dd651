"""Appeal tests call the API as agencies and officials: the API tests' fixtures, shared."""
from tests.api.conftest import (  # noqa: F401 (fixtures)
    _agency_token_memo,
    _clean_throttle_counters,
    _fast_password_hashing,
    as_agency,
    tokens,
)
