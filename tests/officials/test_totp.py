"""TOTP for officials (django-otp): with OTP_REQUIRED the admin wants a current code from the official's device."""
import os
import subprocess
import sys
from base64 import b32decode
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from officials.signin import totp_enrol
from tests.fixtures.admin import PASSWORD
from tests.production import LEDGER_ENV

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/"


@pytest.fixture
def otp_required(settings):
    settings.OTP_REQUIRED = True


def code(device) -> str:
    """The code an authenticator app shows now, computed from the device's key."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def sign_in(client, username, password=PASSWORD, otp_token=""):
    return client.post(LOGIN, {"username": username, "password": password, "otp_token": otp_token,
                               "next": "/admin/"}, REMOTE_ADDR="10.0.0.1")


def errors(response) -> str:
    return " ".join(response.context["form"].non_field_errors())


def test_password_and_current_code_sign_in(client, official, otp_required):
    device = totp_enrol(user=official)
    response = sign_in(client, "official1", otp_token=code(device))
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/dashboard/").status_code == 200


def test_wrong_code_is_refused(client, official, otp_required):
    device = totp_enrol(user=official)
    wrong = f"{(int(code(device)) + 1) % 10 ** 6:06d}"
    response = sign_in(client, "official1", otp_token=wrong)
    assert response.status_code == 200 and "wrong or has already been used" in errors(response)
    assert client.get("/admin/").status_code == 302


def test_a_code_is_spent_once(client, official, otp_required):
    device = totp_enrol(user=official)
    used = code(device)
    assert sign_in(client, "official1", otp_token=used).status_code == 302
    client.logout()
    response = sign_in(client, "official1", otp_token=used)
    assert response.status_code == 200 and "wrong or has already been used" in errors(response)


def test_password_alone_is_not_enough(client, official, otp_required):
    totp_enrol(user=official)
    response = sign_in(client, "official1")
    assert response.status_code == 200 and "six-digit code" in errors(response)


def test_official_without_device_is_told_how_to_enrol(client, official, otp_required):
    response = sign_in(client, "official1", otp_token="123456")
    assert response.status_code == 200 and "manage.py otp_enrol official1" in errors(response)


def test_wrong_password_with_code_counts_as_a_failed_login(client, official, otp_required):
    device = totp_enrol(user=official)
    for _ in range(5):
        sign_in(client, "official1", password="wrong", otp_token=code(device))
    assert sign_in(client, "official1", otp_token=code(device)).status_code == 429


def test_failed_attempts_keep_no_password_or_code(client, official, otp_required):
    from axes.models import AccessAttempt

    sign_in(client, "official1", password="wrong-Secret-1", otp_token="654321")
    stored = AccessAttempt.objects.get().post_data
    assert "otp_token=" in stored and "654321" not in stored and "wrong-Secret-1" not in stored


def test_session_without_second_factor_is_sent_to_login(client, official, otp_required):
    client.force_login(official)  # a password-only session
    for path in ("/admin/", "/admin/citizens/citizen/", "/admin/dashboard/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(LOGIN), path


def test_development_needs_no_code(client, official, settings):
    assert settings.OTP_REQUIRED is False
    assert sign_in(client, "official1").status_code == 302
    assert client.get("/admin/").status_code == 200


def test_login_page_asks_for_the_code_only_when_required(client, settings):
    assert "otp_token" not in client.get(LOGIN).content.decode()
    settings.OTP_REQUIRED = True
    assert 'name="otp_token"' in client.get(LOGIN).content.decode()


def test_otp_enrol_prints_a_key_that_signs_in(client, official, otp_required, capsys):
    call_command("otp_enrol", "official1")
    out = capsys.readouterr().out
    key = out.split("Key (type into the app):", 1)[1].split()[0]
    device = TOTPDevice.objects.get(user=official)
    assert b32decode(key) == device.bin_key
    assert f"otpauth://totp/Points%20register%3Aofficial1?secret={key}" in out
    assert sign_in(client, "official1", otp_token=code(device)).status_code == 302


def test_otp_enrol_replaces_only_when_asked(official, capsys):
    call_command("otp_enrol", "official1")
    first = TOTPDevice.objects.get(user=official).key
    with pytest.raises(CommandError, match="already has an authenticator"):
        call_command("otp_enrol", "official1")
    call_command("otp_enrol", "official1", "--replace")
    assert list(TOTPDevice.objects.filter(user=official).values_list("key", flat=True)) != [first]
    assert TOTPDevice.objects.filter(user=official).count() == 1


def test_otp_enrol_refuses_non_staff_and_unknown_users(roles):
    from tests.fixtures.admin import make_user

    make_user("resident", staff=False)
    with pytest.raises(CommandError, match="not staff"):
        call_command("otp_enrol", "resident")
    with pytest.raises(CommandError, match="No user"):
        call_command("otp_enrol", "nobody")


def test_production_settings_require_otp():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_production", "SECRET_KEY": "s7kq2" * 10,
           "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none", "OTP_REQUIRED": "0", **LEDGER_ENV}
    script = "import django; django.setup(); from django.conf import settings; print(settings.OTP_REQUIRED)"
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "True"


def test_otp_enrol_help_prints():
    result = subprocess.run([sys.executable, "manage.py", "otp_enrol", "--help"], capture_output=True, text=True,
                            cwd=str(Path(__file__).resolve().parents[2]))
    assert result.returncode == 0 and "--replace" in result.stdout, result.stderr
