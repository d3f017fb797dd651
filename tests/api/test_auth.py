"""Who may call: tokens, rotation, deactivation, officials, other users, throttling."""
import pytest
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.test import override_settings
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from points.agencies import agency_deactivate, agency_rotate_token
from tests.api.conftest import OFFICIAL_PASSWORD, assert_error, basic

URL = "/api/v1/event-types/"


def test_no_credentials_is_401_with_challenge(db):
    response = APIClient().get(URL)
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Token")


@pytest.mark.parametrize("header", [
    "Token nonsense", "Token", "Token a b", "Token \u00e9t\u00e9", "token " + "x" * 5000])
def test_bad_tokens_are_401(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert_error(client.get(URL), 401, "authentication_failed")


def test_token_works_until_rotated(agencies, tokens, as_agency):
    client = as_agency("court")
    assert client.get(URL).status_code == 200
    new = agency_rotate_token(agency=agencies["court"])
    assert_error(client.get(URL), 401, "authentication_failed")
    fresh = APIClient()
    fresh.credentials(HTTP_AUTHORIZATION=f"Token {new}")
    assert fresh.get(URL).status_code == 200


def test_deactivated_agency_is_refused(agencies, as_agency):
    client = as_agency("police")
    agency_deactivate(agency=agencies["police"])
    assert_error(client.get(URL), 401, "authentication_failed")


def test_official_by_basic_auth_and_session(official, as_official):
    assert as_official.get(URL).status_code == 200
    session = APIClient()
    # django-axes needs a request to count against; Client.login() passes none of its own.
    assert session.login(request=HttpRequest(), username="official", password=OFFICIAL_PASSWORD)
    assert session.get(URL).status_code == 200


def test_wrong_password_is_401(official):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic("official", "wrong"))
    assert_error(client.get(URL), 401, "authentication_failed")


def test_nul_in_basic_credentials_is_401_not_500(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic("off\x00icial", "x"))
    assert_error(client.get(URL), 401, "authentication_failed")


def test_non_staff_user_is_403(db):
    get_user_model().objects.create_user("citizen", password="pw-123456789")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic("citizen", "pw-123456789"))
    body = assert_error(client.get(URL), 403, "forbidden")
    assert "officials" in body["message"]


@pytest.fixture
def tight_rates():
    rates = {"caller": "3/min", "batch": "1/min"}
    with override_settings(REST_FRAMEWORK={**_rest_settings(), "DEFAULT_THROTTLE_RATES": rates}):
        yield
    api_settings.reload()


def _rest_settings():
    from django.conf import settings

    return dict(settings.REST_FRAMEWORK)


def test_throttled_per_agency_with_retry_after(tight_rates, as_agency):
    court, police = as_agency("court"), as_agency("police")
    assert [court.get(URL).status_code for _ in range(3)] == [200, 200, 200]
    response = court.get(URL)
    body = assert_error(response, 429, "throttled")
    assert 1 <= int(response["Retry-After"]) <= 60 and body["retry_after"] == int(response["Retry-After"])
    assert police.get(URL).status_code == 200, "another agency has its own limit"


def test_throttled_the_same_with_the_shared_redis_cache(redis_cache, tight_rates, as_agency):
    court = as_agency("court")
    assert [court.get(URL).status_code for _ in range(3)] == [200, 200, 200]
    response = court.get(URL)
    assert_error(response, 429, "throttled")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert as_agency("police").get(URL).status_code == 200


def test_batch_has_its_own_tighter_limit(tight_rates, as_agency):
    client = as_agency("court")
    assert client.post("/api/v1/events/batch/", {"items": [{}]}).status_code == 200
    response = client.post("/api/v1/events/batch/", {"items": [{}]})
    assert_error(response, 429, "throttled")
    assert "Retry-After" in response
