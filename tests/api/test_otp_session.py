"""With OTP_REQUIRED the API takes an official's admin session only when it was signed in with a TOTP code."""
import pytest
from django_otp.oath import totp
from rest_framework.test import APIClient

from officials.signin import totp_enrol
from tests.api.conftest import OFFICIAL_PASSWORD, staff_user

URL = "/api/v1/event-types/"


@pytest.fixture
def official(db):
    return staff_user("official")


def test_password_only_session_is_not_enough(official, settings):
    settings.OTP_REQUIRED = True
    client = APIClient()
    client.force_login(official)
    assert client.get(URL).status_code in (401, 403)
    settings.OTP_REQUIRED = False
    assert client.get(URL).status_code == 200


def test_session_signed_in_with_a_code_works(official, settings):
    settings.OTP_REQUIRED = True
    device = totp_enrol(user=official)
    client = APIClient()
    form = {"username": "official", "password": OFFICIAL_PASSWORD, "otp_token": f"{totp(device.bin_key):06d}",
            "next": "/admin/"}
    response = client.post("/admin/login/", form, format="multipart")
    assert response.status_code == 302, response.context["form"].errors
    assert client.get(URL).status_code == 200
