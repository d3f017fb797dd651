"""HTTP Basic for officials: failures are counted with the admin's and a lockout is said, not hidden."""
import pytest
from axes.models import AccessAttempt
from rest_framework.test import APIClient

from tests.api.conftest import OFFICIAL_PASSWORD, assert_error, basic, staff_user
from tests.officials.hashers import CountingHasher

URL = "/api/v1/event-types/"
HERE, ELSEWHERE = "10.0.0.1", "10.0.0.2"


@pytest.fixture
def official(db, settings):
    """The API's official, with a password hasher that counts its runs."""
    settings.PASSWORD_HASHERS = ["tests.officials.hashers.CountingHasher"]
    CountingHasher.runs = 0
    return staff_user("official")


def call(password, address=HERE, username="official"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic(username, password))
    return client.get(URL, REMOTE_ADDR=address)


def test_fifth_wrong_password_is_429_locked_out_with_retry_after(official):
    for _ in range(4):
        assert_error(call("wrong"), 401, "authentication_failed")
    response = call("wrong")
    body = assert_error(response, 429, "locked_out")
    assert 890 <= int(response["Retry-After"]) <= 900
    assert body["retry_after"] == int(response["Retry-After"])
    assert "Too many failed sign-ins" in body["message"]


def test_locked_out_correct_password_is_429_and_hashes_nothing(official):
    for _ in range(5):
        call("wrong")
    runs = CountingHasher.runs
    response = call(OFFICIAL_PASSWORD)
    assert_error(response, 429, "locked_out")
    assert "Retry-After" in response
    assert CountingHasher.runs == runs
    assert AccessAttempt.objects.get(username="official").failures_since_start == 5


def test_admin_and_api_failures_count_together(official, client):
    for _ in range(3):
        client.post("/admin/login/", {"username": "official", "password": "wrong"}, REMOTE_ADDR=HERE)
    call("wrong")
    assert_error(call("wrong"), 429, "locked_out")


def test_other_address_still_gets_in(official):
    for _ in range(5):
        call("wrong")
    assert call(OFFICIAL_PASSWORD, address=ELSEWHERE).status_code == 200


def test_lock_until_reset_is_403_without_retry_after(official, settings):
    settings.AXES_COOLOFF_TIME = None
    for _ in range(5):
        call("wrong")
    response = call(OFFICIAL_PASSWORD)
    body = assert_error(response, 403, "locked_out")
    assert "Retry-After" not in response and "retry_after" not in body


def test_basic_is_refused_before_any_hashing_when_otp_is_required(official, settings):
    settings.OTP_REQUIRED = True
    runs = CountingHasher.runs
    body = assert_error(call(OFFICIAL_PASSWORD), 401, "authentication_failed")
    assert "second factor" in body["message"]
    assert CountingHasher.runs == runs
    assert not AccessAttempt.objects.exists()
