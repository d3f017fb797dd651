"""The shared cache (Redis) down, or restored from an old snapshot: authentication, rotation and
deactivation go on from the database; throttles fail open and say so. A real ``redis-server`` of the
test's own, on a free port, stopped mid-test (never the shared one on 6379)."""
import logging
import shutil
import socket
import subprocess
import time

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import cache
from rest_framework.test import APIClient

from points.agencies import agency_deactivate, agency_rotate_token
from tests.api.conftest import OFFICIAL_PASSWORD, assert_error, basic

URL = "/api/v1/event-types/"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server process without persistence on a free 127.0.0.1 port."""

    def __init__(self):
        self.port = free_port()
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port)


@pytest.fixture
def own_redis(settings):
    """Django's cache on a Redis of this test's own, with production's options (config/settings.py)."""
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server")
    server = RedisServer()
    server.start()
    settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{server.port}/0",
                                   "OPTIONS": django_settings.REDIS_CACHE_OPTIONS}}
    yield server
    server.stop()


def client_with(authorization: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=authorization)
    return client


def test_with_redis_down_agencies_and_officials_are_served_and_throttles_fail_open(
        own_redis, tokens, official, settings, caplog):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"caller": "2/min", "batch": "60/min"}}
    agency = client_with(f"Token {tokens['court']}")
    assert [agency.get(URL).status_code for _ in range(3)] == [200, 200, 429]  # Redis counts
    own_redis.stop()
    with caplog.at_level(logging.WARNING, logger="api.throttling"):
        assert [agency.get(URL).status_code for _ in range(3)] == [200, 200, 200]  # open, not 500
    assert "throttles are letting every request through" in caplog.text
    assert client_with(basic("official", OFFICIAL_PASSWORD)).get(URL).status_code == 200
    assert_error(client_with("Token not-a-token").get(URL), 401, "authentication_failed")


def test_with_redis_down_rotation_and_deactivation_work(own_redis, agencies, tokens):
    old, police = client_with(f"Token {tokens['court']}"), client_with(f"Token {tokens['police']}")
    assert old.get(URL).status_code == police.get(URL).status_code == 200  # remembered
    own_redis.stop()
    new = agency_rotate_token(agency=agencies["court"])
    agency_deactivate(agency=agencies["police"])
    assert_error(old.get(URL), 401, "authentication_failed")
    assert_error(police.get(URL), 401, "authentication_failed")
    assert client_with(f"Token {new}").get(URL).status_code == 200


def test_an_old_redis_snapshot_restored_cannot_revive_a_rotated_token(own_redis, agencies, tokens):
    old = client_with(f"Token {tokens['court']}")
    assert old.get(URL).status_code == 200  # this process remembers the token
    redis_client = own_redis.client()
    cache.set("something:remembered", 1)
    snapshot = {key: redis_client.dump(key) for key in redis_client.keys("*")}
    assert snapshot
    agency_rotate_token(agency=agencies["court"])
    redis_client.flushdb()  # Redis lost its data and an operator restores the older snapshot
    for key, value in snapshot.items():
        redis_client.restore(key, 0, value)
    assert_error(old.get(URL), 401, "authentication_failed")


def test_with_redis_down_the_admin_dashboard_is_computed_instead_of_remembered(own_redis, db, client):
    from django.contrib.auth import get_user_model

    chief = get_user_model().objects.create_superuser("chief", password="x" * 20)
    client.force_login(chief)
    assert client.get("/admin/dashboard/").status_code == 200
    own_redis.stop()
    page = client.get("/admin/dashboard/")
    assert page.status_code == 200 and "grade_total" in page.context
