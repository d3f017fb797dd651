"""Agencies remembered in one server process; the token rotated, the agency edited or deactivated by
another process (a management command, the admin's worker): refused at once, through the generation in
the database (the processes share a Redis cache as production does, and it plays no part)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.api.conftest import REDIS_URL, assert_error

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
URL = "/api/v1/event-types/"


def other_process(*args: str) -> str:
    """manage.py in another process, on this test database and the same shared cache."""
    db = connection.settings_dict
    login = f"{db['USER']}:{db['PASSWORD']}" if db["PASSWORD"] else db["USER"]
    server = f"{db['HOST']}:{db['PORT']}" if db["PORT"] else db["HOST"]
    env = {**os.environ, "CACHE_URL": REDIS_URL, "AGENCY_TOKEN_MEMO": "1",
           "DATABASE_URL": f"postgres://{login}@{server}/{db['NAME']}"}
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_rotated_by_another_process(redis_cache, tokens):
    client = client_with(tokens["court"])
    assert client.get(URL).status_code == 200  # remembered in this process
    new = other_process("rotate_token", "court")
    assert_error(client.get(URL), 401, "authentication_failed")
    assert client_with(new).get(URL).status_code == 200


def test_deactivated_or_edited_by_another_process(redis_cache, tokens):
    court, police = client_with(tokens["court"]), client_with(tokens["police"])
    assert court.get(URL).status_code == police.get(URL).status_code == 200
    other_process("shell", "-c", "from points.models import Agency; a = Agency.objects.get(code='court'); "
                                 "a.kind = 'service'; a.event_types = []; a.save()")
    body = assert_error(court.post("/api/v1/events/", {}), 403, "forbidden")
    assert "Service agencies" in body["message"]
    other_process("shell", "-c", "from points.agencies import agency_deactivate; from points.models import Agency; "
                                 "agency_deactivate(agency=Agency.objects.get(code='police'))")
    assert_error(police.get(URL), 401, "authentication_failed")
