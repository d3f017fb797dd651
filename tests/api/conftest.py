"""API fixtures: a token per demo agency, an official, clients for each, and a clean throttle cache."""
import base64
import datetime
import os

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from rest_framework.test import APIClient

from officials.services import roles_setup
from points.agencies import agency_rotate_token
from points.synthetic import PILOT_START

WHEN = datetime.datetime(2025, 3, 1, 10, 0, tzinfo=PILOT_START.tzinfo)
OFFICIAL_PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _clean_throttle_counters():
    """Throttle counters live in the cache: no test may see another's."""
    cache.clear()
    yield
    cache.clear()


# TEST_REDIS_URL lets several checkouts on one machine test against separate Redis databases.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture
def redis_cache(settings):
    """The shared cache production uses (django-redis), on a test database of the local Redis; skipped without it."""
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        pytest.skip("needs Redis on 127.0.0.1:6379")
    settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL}}
    cache.clear()
    yield REDIS_URL
    cache.clear()


@pytest.fixture(autouse=True)
def _agency_token_memo(settings):
    """API tests run with agencies remembered per process, as production does (the default): rotation
    and deactivation are tested through it."""
    settings.AGENCY_TOKEN_MEMO = True


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Officials authenticate with HTTP Basic on every request; PBKDF2, slow by design, would dominate."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def tokens(agencies):
    """A fresh API token for every demo agency, by code."""
    return {code: agency_rotate_token(agency=agency) for code, agency in agencies.items()}


@pytest.fixture
def as_agency(tokens):
    """A client calling as the agency with this code."""

    def make(code: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[code]}")
        return client

    return make


def staff_user(username: str, group: str | None = "Officials"):
    """A staff user with OFFICIAL_PASSWORD, in ``group`` (a ``setup_roles`` group; None: in no group)."""
    roles_setup()
    user = get_user_model().objects.create_user(username, password=OFFICIAL_PASSWORD, is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def official(db):
    """A staff user in the Officials group."""
    return staff_user("official")


@pytest.fixture
def second_official(db):
    """Another official: separation of duties needs two for an appeal (filer, then decider)."""
    return staff_user("official2")


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def basic_client(username: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic(username, OFFICIAL_PASSWORD))
    return client


@pytest.fixture
def as_official(official) -> APIClient:
    return basic_client("official")


@pytest.fixture
def as_second_official(second_official) -> APIClient:
    return basic_client("official2")


# Valid attributes for each shipped event type (rules/policy/events.yaml).
SAMPLE_ATTRIBUTES = {
    "bribery_conviction": {"case_number": "(2025) Su 1324 Xing Chu 17"},
    "drunk_driving_conviction": {"case_number": "(2025) Su 1324 Xing Chu 18"},
    "unpaid_court_judgment": {"case_number": "(2025) Su 1324 Zhi 9"},
    "elderly_care": {"months": 12},
    "helping_poor": {"media_reported": False},
    "traffic_violation": {"severity": "minor"},
    "volunteering": {"hours": 4},
}


def report_body(citizen, event_type="bribery_conviction", key="k1", occurred_at=WHEN, **extra) -> dict:
    body = {"resident_id": citizen.resident_id, "event_type": event_type, "occurred_at": occurred_at.isoformat(),
            "attributes": dict(SAMPLE_ATTRIBUTES.get(event_type, {})), "idempotency_key": key}
    body.update(extra)
    return body


def assert_error(response, status: int, code: str, field: str | None = None) -> dict:
    """The one error shape, with the expected status, code and (optionally) named field."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) >= {"code", "message", "field_errors"}, body
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    if field is not None:
        assert field in body["field_errors"], body
    return body
